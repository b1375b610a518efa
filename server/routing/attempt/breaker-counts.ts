import { CircuitState, ConsecutiveBreaker, type IBreaker } from "cockatiel";
import type { BreakerSettings } from "../deployment.ts";
import { FailureRatioBreaker } from "./failure-ratio-breaker.ts";

/**
 * What a deployment's circuit counts: failures in a row (cockatiel's
 * ConsecutiveBreaker) and the failure ratio over a window (ours). It opens
 * when either would; both hear every outcome, so each keeps its own count
 * whichever one trips.
 *
 * Attempts admitted while the circuit is closed are recorded here directly
 * (`record`), at once and in the order they end, without going through
 * cockatiel's `execute`. Only cockatiel can open the circuit, so when an
 * outcome says to, the caller `trip`s and then runs one failing call through
 * `execute`: cockatiel reports it to `failure`, which answers "open" without
 * counting it again. Every other call of `success` or `failure` comes from
 * cockatiel's half-open probe and is counted as usual.
 */
export class BreakerCounts implements IBreaker {
  readonly #consecutive: ConsecutiveBreaker;
  readonly #ratio: FailureRatioBreaker;
  /** Failing calls sent through `execute` to open the circuit, not yet reported back. */
  #trips = 0;

  constructor(settings: BreakerSettings) {
    this.#consecutive = new ConsecutiveBreaker(settings.consecutiveFailures);
    this.#ratio = new FailureRatioBreaker({
      failureRatio: settings.failureRatio,
      windowMs: settings.ratioWindowMs,
      minRequests: settings.ratioMinRequests,
    });
  }

  get state(): unknown {
    return { consecutive: this.#consecutive.state, ratio: this.#ratio.state };
  }

  set state(value: unknown) {
    const both = value as { consecutive: number; ratio: unknown };
    this.#consecutive.state = both.consecutive;
    this.#ratio.state = both.ratio;
  }

  /** Counts the outcome of an attempt admitted while closed; true when the circuit should open. */
  record(failed: boolean): boolean {
    if (!failed) {
      this.success(CircuitState.Closed);
      return false;
    }
    const inARow = this.#consecutive.failure();
    const ratio = this.#ratio.failure(CircuitState.Closed);
    return inARow || ratio;
  }

  /** The next failure cockatiel reports from a closed call is the one `execute` runs to open the circuit. */
  trip(): void {
    this.#trips++;
  }

  success(state: CircuitState): void {
    this.#consecutive.success();
    this.#ratio.success(state);
  }

  failure(state: CircuitState): boolean {
    if (this.#trips > 0 && state === CircuitState.Closed) {
      this.#trips--;
      return true;
    }
    const inARow = this.#consecutive.failure();
    const ratio = this.#ratio.failure(state);
    return inARow || ratio;
  }
}
