import { type CircuitBreakerPolicy, CircuitState, circuitBreaker, handleWhenResult } from "cockatiel";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { Breaker, BreakerListener, BreakerSettings, BreakerState } from "../deployment.ts";
import { BreakerCounts } from "./breaker-counts.ts";

/** An attempt's outcome, as the policy's result: `true` when it failed. */
const failedOutcome = handleWhenResult((failed) => failed === true);

/** The call that opens the circuit when an attempt admitted while closed says to (see BreakerCounts). */
function failed(): boolean {
  return true;
}

function ignore(): void {}

function stateOf(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return "closed";
    case CircuitState.HalfOpen:
      return "half_open";
    // Open, or held open by hand (`isolate()`, which the gateway does not use).
    default:
      return "open";
  }
}

/**
 * A deployment's breaker on cockatiel's circuit breaker policy, which runs
 * the closed / open / half-open state machine; we only decide how outcomes
 * reach it.
 *
 * - The probe (the attempt admitted once an open circuit is due) runs
 *   through `policy.execute` as a promise that its settle function
 *   resolves, with whether it failed, however much later (a stream's end).
 *   cockatiel never refuses synchronously, and while half-open it holds a
 *   second call until the probe settles instead of refusing it; so `admit`
 *   refuses by itself, before `execute`, when the circuit is half-open or
 *   open and not yet due. Otherwise `execute` calls our function at once
 *   when it admits the attempt (that is how we tell it did).
 * - An attempt admitted while closed skips `execute` (and its promises):
 *   for a closed call cockatiel does nothing but tell the breaker the
 *   outcome once it settles, and open the circuit if the breaker says so.
 *   The settle function does the same: it counts the outcome at once
 *   (BreakerCounts.record), and when that says open, runs one failing call
 *   through `execute` so that cockatiel opens the circuit. One difference
 *   from cockatiel's own path: a failure of an attempt admitted before the
 *   circuit opened that ends while the probe is out does not reopen the
 *   circuit; the probe alone decides.
 */
class CockatielBreaker implements Breaker {
  readonly #id: string;
  readonly #provider: string | undefined;
  readonly #halfOpenAfterMs: number;
  readonly #counts: BreakerCounts;
  readonly #policy: CircuitBreakerPolicy;
  /** When the circuit last opened, by Date.now() (cockatiel's own clock). */
  #openedAt = 0;
  /** The probe's outcome, taken by `#run` inside `execute`. */
  #outcome: Promise<boolean> | undefined;
  readonly #run = (): Promise<boolean> | undefined => {
    const outcome = this.#outcome;
    this.#outcome = undefined;
    return outcome;
  };
  /** The settle function of every attempt admitted while closed (one, not one per attempt). */
  readonly #settleClosed = (attemptFailed: boolean): void => {
    if (this.#counts.record(attemptFailed) && this.#policy.state === CircuitState.Closed) {
      this.#counts.trip();
      this.#policy.execute(failed).then(undefined, ignore);
    }
  };

  constructor(
    settings: BreakerSettings,
    deploymentId: string,
    listener: BreakerListener | undefined,
    provider: string | undefined,
  ) {
    this.#id = deploymentId;
    this.#provider = provider;
    this.#halfOpenAfterMs = settings.halfOpenAfterMs;
    this.#counts = new BreakerCounts(settings);
    this.#policy = circuitBreaker(failedOutcome, {
      halfOpenAfter: settings.halfOpenAfterMs,
      breaker: this.#counts,
    });
    this.#policy.onStateChange((state) => {
      if (state === CircuitState.Open) this.#openedAt = Date.now();
      listener?.(deploymentId, stateOf(state));
    });
  }

  /**
   * What an attempt would meet now. cockatiel moves an open circuit to
   * half-open lazily, with the first call after the delay; this reads
   * "half_open" as soon as the delay has passed, so that callers who skip
   * open circuits still send the probe. The listener hears cockatiel's own
   * transitions only, so "half_open" there comes when the probe is admitted.
   */
  get state(): BreakerState {
    const state = this.#policy.state;
    if (state === CircuitState.Closed) return "closed";
    if (state === CircuitState.Open && this.#probeDue()) return "half_open";
    return stateOf(state);
  }

  admit(): (failed: boolean) => void {
    const state = this.#policy.state;
    if (state === CircuitState.Closed) return this.#settleClosed;
    if (state === CircuitState.HalfOpen) {
      throw new GatewayError("circuit_open", `${this.#id}'s circuit is half-open, its probe still out`, {
        provider: this.#provider,
      });
    }
    if (state === CircuitState.Open && !this.#probeDue()) {
      throw this.#open(this.#halfOpenAfterMs - (Date.now() - this.#openedAt));
    }
    const outcome = Promise.withResolvers<boolean>();
    this.#outcome = outcome.promise;
    // Resolves in every case but a refusal (BrokenCircuitError, IsolatedCircuitError), answered below.
    this.#policy.execute(this.#run).then(undefined, ignore);
    if (this.#outcome !== undefined) {
      this.#outcome = undefined;
      throw this.#open(this.#halfOpenAfterMs);
    }
    return outcome.resolve;
  }

  /** Whether an open circuit has waited out its delay (cockatiel's own test, on our copy of its clock). */
  #probeDue(): boolean {
    return Date.now() - this.#openedAt >= this.#halfOpenAfterMs;
  }

  #open(retryAfterMs: number): GatewayError {
    return new GatewayError("circuit_open", `${this.#id}'s circuit is open`, {
      retryAfterMs,
      provider: this.#provider,
    });
  }
}

/**
 * A deployment's circuit breaker. It opens after `consecutiveFailures`
 * failures in a row, or when at least `failureRatio` of the calls in the
 * last `ratioWindowMs` failed (once there were `ratioMinRequests` of them).
 * After `halfOpenAfterMs` it lets one probe through: success closes it,
 * failure opens it again. `listener` hears every change of state; the
 * `circuit_open` errors name `provider` when given.
 */
export function createBreaker(
  settings: BreakerSettings,
  deploymentId: string,
  listener?: BreakerListener,
  provider?: string,
): Breaker {
  return new CockatielBreaker(settings, deploymentId, listener, provider);
}
