import { GatewayError } from "../errors/gateway-error.ts";

/** One call being served: a node of the in-flight list. */
export interface InFlightCall {
  readonly controller: AbortController;
  readonly deadline: number;
  prev: InFlightCall | undefined;
  next: InFlightCall | undefined;
}

/**
 * The calls being served, each with its deadline, in arrival order.
 *
 * One sweep timer enforces every deadline instead of a timer per request;
 * since every call gets the same timeout, the list is also in deadline order
 * and a sweep stops at the first call still in time. It is an intrusive
 * linked list rather than a Map or Set: those reallocate their tables as
 * calls come and go, and the benchmark's heap profile showed those tables
 * promoted to old space on every request.
 */
export class InFlight {
  readonly #timeoutMs: number;
  readonly #sweeper: NodeJS.Timeout;
  #head: InFlightCall | undefined;
  #tail: InFlightCall | undefined;
  #stopping: GatewayError | undefined;

  /** `timeoutMs` bounds every call; deadlines are checked every tenth of it (10 ms to 1 s). */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(1_000, Math.max(10, timeoutMs / 10)));
    this.#sweeper.unref();
  }

  /** Tracks a call until `release`. Aborts it at once if the gateway is stopping. */
  add(controller: AbortController): InFlightCall {
    const call: InFlightCall = {
      controller,
      deadline: performance.now() + this.#timeoutMs,
      prev: this.#tail,
      next: undefined,
    };
    if (this.#stopping !== undefined) {
      controller.abort(this.#stopping);
      return call;
    }
    if (this.#tail === undefined) this.#head = call;
    else this.#tail.next = call;
    this.#tail = call;
    return call;
  }

  /** Stops tracking a call; releasing one twice, or one never tracked, is harmless. */
  release(call: InFlightCall): void {
    const linked = call.prev !== undefined || call.next !== undefined || this.#head === call;
    if (!linked) return;
    if (call.prev === undefined) this.#head = call.next;
    else call.prev.next = call.next;
    if (call.next === undefined) this.#tail = call.prev;
    else call.next.prev = call.prev;
    call.prev = undefined;
    call.next = undefined;
  }

  /** Aborts every tracked call, and every call added from now on, with `reason`. */
  abortAll(reason: GatewayError): void {
    this.#stopping = reason;
    while (this.#head !== undefined) {
      const call = this.#head;
      this.release(call);
      call.controller.abort(reason);
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const now = performance.now();
    while (this.#head !== undefined && this.#head.deadline <= now) {
      const call = this.#head;
      this.release(call);
      call.controller.abort(
        new GatewayError("deadline_exceeded", `the request took longer than ${this.#timeoutMs} ms`),
      );
    }
  }
}
