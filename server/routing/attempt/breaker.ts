import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
  type IBreaker,
  SamplingBreaker,
} from "cockatiel";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { Breaker, BreakerListener, BreakerSettings, BreakerState } from "../deployment.ts";

/**
 * Opens when either of cockatiel's breakers would: `n` failures in a row, or
 * too high a failure ratio over the sampling window. Both hear every
 * outcome, so each keeps its own count whichever one trips.
 */
class EitherBreaker implements IBreaker {
  readonly #consecutive: ConsecutiveBreaker;
  readonly #sampling: SamplingBreaker;

  constructor(consecutive: ConsecutiveBreaker, sampling: SamplingBreaker) {
    this.#consecutive = consecutive;
    this.#sampling = sampling;
  }

  get state(): unknown {
    return { consecutive: this.#consecutive.state, sampling: this.#sampling.state };
  }

  set state(value: unknown) {
    const both = value as { consecutive: number; sampling: unknown };
    this.#consecutive.state = both.consecutive;
    this.#sampling.state = both.sampling;
  }

  success(state: CircuitState): void {
    this.#consecutive.success();
    this.#sampling.success(state);
  }

  failure(state: CircuitState): boolean {
    const inARow = this.#consecutive.failure();
    const ratio = this.#sampling.failure(state);
    return inARow || ratio;
  }
}

/**
 * cockatiel's SamplingBreaker opens when failures are strictly above
 * `threshold` of the calls; the setting means "at or above", so the
 * threshold sits a hair below it (which also keeps a ratio of 1 inside the
 * open interval cockatiel requires).
 */
const AT_OR_ABOVE = 1 - 1e-9;

/**
 * The SamplingBreaker gates on a rate (calls per second over its window),
 * not a count: `total < window * rate` keeps it shut. Half a call below the
 * minimum makes that "fewer than `ratioMinRequests` calls" however the
 * floating point rounds.
 */
function minimumRps(settings: BreakerSettings): number {
  return ((settings.ratioMinRequests - 0.5) * 1_000) / settings.ratioWindowMs;
}

/** An attempt's outcome, as the policy's result: `true` when it failed. */
const failedOutcome = handleWhenResult((failed) => failed === true);

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
 * A deployment's breaker on cockatiel's circuit breaker policy. An attempt
 * runs through `policy.execute` as a promise that its settle function
 * resolves, with whether it failed, however much later (a stream's end).
 *
 * cockatiel never refuses synchronously, and while half-open it holds a
 * second call until the probe settles instead of refusing it; so `admit`
 * refuses by itself, before `execute`, when the circuit is half-open or
 * open and not yet due for its probe. Otherwise `execute` calls our
 * function at once when it admits the attempt (that is how we tell it did).
 */
class CockatielBreaker implements Breaker {
  readonly #id: string;
  readonly #halfOpenAfterMs: number;
  readonly #policy: CircuitBreakerPolicy;
  /** When the circuit last opened, by Date.now() (cockatiel's own clock). */
  #openedAt = 0;
  /** The admitted attempt's outcome, taken by `#run` inside `execute`. */
  #outcome: Promise<boolean> | undefined;
  readonly #run = (): Promise<boolean> | undefined => {
    const outcome = this.#outcome;
    this.#outcome = undefined;
    return outcome;
  };

  constructor(settings: BreakerSettings, deploymentId: string, listener: BreakerListener | undefined) {
    this.#id = deploymentId;
    this.#halfOpenAfterMs = settings.halfOpenAfterMs;
    this.#policy = circuitBreaker(failedOutcome, {
      halfOpenAfter: settings.halfOpenAfterMs,
      breaker: new EitherBreaker(
        new ConsecutiveBreaker(settings.consecutiveFailures),
        new SamplingBreaker({
          threshold: settings.failureRatio * AT_OR_ABOVE,
          duration: settings.ratioWindowMs,
          minimumRps: minimumRps(settings),
        }),
      ),
    });
    this.#policy.onStateChange((state) => {
      if (state === CircuitState.Open) this.#openedAt = Date.now();
      listener?.(deploymentId, stateOf(state));
    });
  }

  /**
   * cockatiel's state. An open circuit stays "open" after its delay until
   * the next `admit` sends the probe (cockatiel moves to half-open lazily).
   */
  get state(): BreakerState {
    return stateOf(this.#policy.state);
  }

  admit(): (failed: boolean) => void {
    const state = this.#policy.state;
    if (state === CircuitState.HalfOpen) {
      throw new GatewayError("circuit_open", `${this.#id}'s circuit is half-open, its probe still out`);
    }
    if (state === CircuitState.Open) {
      const waited = Date.now() - this.#openedAt;
      if (waited < this.#halfOpenAfterMs) throw this.#open(this.#halfOpenAfterMs - waited);
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

  #open(retryAfterMs: number): GatewayError {
    return new GatewayError("circuit_open", `${this.#id}'s circuit is open`, { retryAfterMs });
  }
}

/**
 * A deployment's circuit breaker. It opens after `consecutiveFailures`
 * failures in a row, or when at least `failureRatio` of the calls in the
 * last `ratioWindowMs` failed (once there were `ratioMinRequests` of them).
 * After `halfOpenAfterMs` it lets one probe through: success closes it,
 * failure opens it again. `listener` hears every change of state.
 */
export function createBreaker(
  settings: BreakerSettings,
  deploymentId: string,
  listener?: BreakerListener,
): Breaker {
  return new CockatielBreaker(settings, deploymentId, listener);
}
