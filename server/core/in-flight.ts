import { GatewayError } from "../errors/gateway-error.ts";

/**
 * The abort controllers of the calls being served, each with its deadline.
 * One sweep timer enforces every deadline (instead of a timer per request),
 * and shutdown aborts whatever is still running.
 */
export class InFlight {
  readonly #calls = new Map<AbortController, number>();
  readonly #timeoutMs: number;
  readonly #sweeper: NodeJS.Timeout;
  #stopping: GatewayError | undefined;

  /** `timeoutMs` bounds every call; deadlines are checked every tenth of it (10 ms to 1 s). */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(1_000, Math.max(10, timeoutMs / 10)));
    this.#sweeper.unref();
  }

  /** Tracks a call's controller until `release`. Aborts at once if the gateway is stopping. */
  add(controller: AbortController): void {
    if (this.#stopping !== undefined) controller.abort(this.#stopping);
    else this.#calls.set(controller, performance.now() + this.#timeoutMs);
  }

  release(controller: AbortController): void {
    this.#calls.delete(controller);
  }

  /** Aborts every tracked call, and every call added from now on, with `reason`. */
  abortAll(reason: GatewayError): void {
    this.#stopping = reason;
    for (const controller of this.#calls.keys()) controller.abort(reason);
    this.#calls.clear();
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const now = performance.now();
    for (const [controller, deadline] of this.#calls) {
      if (deadline > now) continue;
      this.#calls.delete(controller);
      controller.abort(
        new GatewayError("deadline_exceeded", `the request took longer than ${this.#timeoutMs} ms`),
      );
    }
  }
}
