import { GatewayError } from "../../errors/gateway-error.ts";
import type { UpstreamCall } from "../../providers/adapter.ts";
import type { Deployment } from "../deployment.ts";

/** Where an attempt adds the time it waited on its upstream (the Call's `upstreamMs`). */
export interface UpstreamClock {
  upstreamMs: number;
}

/** Runs once when an attempt is over, with the error it ended on (undefined on success). */
export type SettleHook = (error: GatewayError | undefined, run: AttemptRun) => void;

/**
 * One upstream attempt on one deployment: the provider's view of the call
 * for this attempt (its own signal, so a timeout stops this attempt and not
 * the whole call), its timers, and the hooks that must run once it is over:
 * the queue slot released, the breaker told, the statistics recorded. A
 * unary attempt is over when its answer returns; a stream's when it ends,
 * fails or is cancelled, which may be long after the attempt's promise resolved.
 */
export class AttemptRun implements UpstreamCall {
  readonly deployment: Deployment;
  readonly requestId: string;
  readonly signal: AbortSignal;
  /** performance.now() when the request was sent upstream. */
  readonly startedAt: number;
  /** performance.now() of the first token (a stream) or the response's start (unary); 0 before. */
  firstTokenAt = 0;
  /** Content events streamed, for the inter-token average. */
  tokenEvents = 0;
  /** performance.now() when the adapter handed the request to the upstream (startedAt until it says). */
  #sentAt: number;
  /** The upstream time of this attempt has been added to the clock. */
  #clocked = false;
  readonly #clock: UpstreamClock | undefined;
  readonly #stream: boolean;
  /** The W3C `traceparent` of this attempt's span, sent upstream; undefined while tracing is off. */
  traceparent: string | undefined = undefined;
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal;
  #hooks: SettleHook[] | undefined;
  /** One timer for both clocks: first the first token's (when sooner), then the whole attempt's. */
  #timer: NodeJS.Timeout;
  #settled = false;

  /** The first-token clock this attempt runs: a stream's ttft, or a unary answer's first byte. */
  readonly #firstTokenMs: number;

  constructor(
    parent: AbortSignal,
    requestId: string,
    deployment: Deployment,
    stream: boolean,
    clock?: UpstreamClock,
  ) {
    this.deployment = deployment;
    this.requestId = requestId;
    this.signal = this.#controller.signal;
    this.#parent = parent;
    this.startedAt = performance.now();
    this.#sentAt = this.startedAt;
    this.#clock = clock;
    this.#stream = stream;
    if (parent.aborted) this.#controller.abort(parent.reason);
    else parent.addEventListener("abort", this.#parentAborted);
    const { totalMs, ttftMs, unaryFirstByteMs } = deployment.timeouts;
    this.#firstTokenMs = stream ? ttftMs : unaryFirstByteMs;
    this.#timer = setTimeout(this.#timedOut, Math.min(this.#firstTokenMs, totalMs));
  }

  /** Registers a hook for the end of the attempt. */
  onSettle(hook: SettleHook): void {
    if (this.#hooks === undefined) this.#hooks = [hook];
    else this.#hooks.push(hook);
  }

  /** Unary: the upstream's answer has started arriving. Stops the first-token clock. */
  responseStarted(): void {
    if (this.firstTokenAt === 0) this.#firstTokenArrived();
  }

  /** The request is going to the upstream now. */
  upstreamSent(): void {
    this.#sentAt = performance.now();
  }

  /** Unary: the answer's last byte arrived, or the request failed. */
  upstreamEnded(): void {
    this.#addUpstreamTime(performance.now());
  }

  /** Stream: a content event arrived. */
  tokenArrived(): void {
    this.tokenEvents++;
    if (this.firstTokenAt === 0) this.#firstTokenArrived();
  }

  /** Stops the attempt's upstream request with `error` (a timeout). */
  abort(error: GatewayError): void {
    if (!this.signal.aborted) this.#controller.abort(error);
  }

  /** Whether the caller (not a timeout of this attempt) stopped the call. */
  get callerGone(): boolean {
    return this.#parent.aborted;
  }

  /** Ends the attempt: clears its timers and runs its hooks, once. */
  settle(error: GatewayError | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    // An attempt that failed before its adapter said (or an adapter that never says) ends its upstream time here.
    this.#addUpstreamTime(performance.now());
    this.#parent.removeEventListener("abort", this.#parentAborted);
    const hooks = this.#hooks;
    if (hooks === undefined) return;
    for (let i = hooks.length - 1; i >= 0; i--) (hooks[i] as SettleHook)(error, this);
  }

  #firstTokenArrived(): void {
    this.firstTokenAt = performance.now();
    // A stream's upstream time ends at its first token: the rest is the model's pace.
    if (this.#stream) this.#addUpstreamTime(this.firstTokenAt);
  }

  #addUpstreamTime(now: number): void {
    if (this.#clocked) return;
    this.#clocked = true;
    if (this.#clock !== undefined) this.#clock.upstreamMs += now - this.#sentAt;
  }

  readonly #parentAborted = (): void => {
    this.#controller.abort(this.#parent.reason);
  };

  /** The timer: the first token is late, or the whole attempt is; else it is re-armed for the rest. */
  readonly #timedOut = (): void => {
    const { id, provider, timeouts } = this.deployment;
    const elapsed = performance.now() - this.startedAt;
    if (this.firstTokenAt === 0 && timeouts.ttftMs <= timeouts.totalMs) {
      this.abort(
        new GatewayError(
          "first_token_timeout",
          `deployment ${id} sent no token within ${timeouts.ttftMs} ms`,
          {
            provider,
          },
        ),
      );
    } else if (elapsed + 1 >= timeouts.totalMs) {
      this.abort(
        new GatewayError(
          "upstream_timeout",
          `deployment ${id} did not finish within ${timeouts.totalMs} ms`,
          {
            provider,
          },
        ),
      );
    } else {
      this.#timer = setTimeout(this.#timedOut, timeouts.totalMs - elapsed);
    }
  };
}
