import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import type { ErrorCode } from "../errors/error-codes.ts";
import type { GatewayError } from "../errors/gateway-error.ts";
import type { Deployment } from "../routing/deployment.ts";
import type { Call } from "./call.ts";

/** How a call ended: the one record every end hook receives. */
export interface Outcome {
  /** `ok`, or the code of the error the caller got. */
  readonly status: "ok" | ErrorCode;
  /** The error the caller got, if any. */
  readonly error: GatewayError | undefined;
  /**
   * Token usage, when the upstream answered (estimated where it reported none).
   * A stream cut short after its first token carries what it consumed (see
   * consumed-usage.ts), so it is billed for it; before any token, undefined.
   */
  readonly usage: TokenUsage | undefined;
  /** The deployment that served the call (or failed last); undefined when refused before routing. */
  readonly served: Deployment | undefined;
  /** Upstream attempts made. */
  readonly attempts: number;
  /** From arrival to the end of the answer, in ms (rounded to µs). */
  readonly latencyMs: number;
  /** From arrival to the first token, in ms (0 when none was streamed). */
  readonly ttftMs: number;
  /** What the call cost, when the served model has a price. */
  readonly costUsd: number | undefined;
}

/** Runs once when a call ends. It gets the call too, so a policy can register one shared function. */
export type EndHook = (outcome: Outcome, call: Call) => void;

/** Runs on every streamed event, before the caller gets it (output guards, cache tees). */
export type EventHook = (event: StreamResponse, call: Call) => void;

/**
 * The end hooks of one call. Policies register; the pipeline's runner fires
 * `fire` exactly once, on success, error or cancel, and `event` for each
 * streamed event when any policy asked to see them.
 */
export class EndHooks {
  readonly #end: EndHook[] = [];
  #events: EventHook[] | undefined;
  #fired = false;

  onEnd(hook: EndHook): void {
    this.#end.push(hook);
  }

  onEvent(hook: EventHook): void {
    if (this.#events === undefined) this.#events = [hook];
    else this.#events.push(hook);
  }

  /** Whether any policy watches the stream's events. */
  get watchesEvents(): boolean {
    return this.#events !== undefined;
  }

  /** Whether the end hooks have fired. */
  get fired(): boolean {
    return this.#fired;
  }

  /** @private Called by the runner for each streamed event. */
  event(event: StreamResponse, call: Call): void {
    const hooks = this.#events;
    if (hooks === undefined) return;
    for (let i = 0; i < hooks.length; i++) (hooks[i] as EventHook)(event, call);
  }

  /**
   * @private Called by the runner. Fires every end hook once; a second call
   * does nothing. A hook that throws does not stop the others; the first
   * error is returned for the runner to log.
   */
  fire(outcome: Outcome, call: Call): unknown {
    if (this.#fired) return undefined;
    this.#fired = true;
    let failure: unknown;
    for (const hook of this.#end) {
      try {
        hook(outcome, call);
      } catch (error) {
        failure ??= error;
      }
    }
    return failure;
  }
}
