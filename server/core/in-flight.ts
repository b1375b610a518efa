import type { GatewayError } from "../errors/gateway-error.ts";

/**
 * The abort controllers of the calls being served, so shutdown can end them
 * all. A Set is cheaper per request than AbortSignal.any, which matters on
 * the hot path.
 */
export class InFlight {
  readonly #calls = new Set<AbortController>();
  #stopping: GatewayError | undefined;

  /** Tracks a call's controller until `release` is called. Aborts at once if the gateway is stopping. */
  add(controller: AbortController): void {
    if (this.#stopping !== undefined) controller.abort(this.#stopping);
    else this.#calls.add(controller);
  }

  release(controller: AbortController): void {
    this.#calls.delete(controller);
  }

  /** Aborts every tracked call, and every call added from now on, with `reason`. */
  abortAll(reason: GatewayError): void {
    this.#stopping = reason;
    for (const controller of this.#calls) controller.abort(reason);
    this.#calls.clear();
  }
}
