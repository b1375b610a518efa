import { CircuitState, type IBreaker } from "cockatiel";

/**
 * How many buckets the window is cut into. The oldest bucket is dropped
 * whole, so the window reaches back between nine and ten tenths of
 * `windowMs`: an outcome is never counted once it is older than that.
 */
const BUCKETS = 10;

/** What `FailureRatioBreaker` needs to know. */
export interface FailureRatioSettings {
  /** Opens at this share of failed calls or more, 0 to 1. */
  readonly failureRatio: number;
  /** The window the ratio is taken over, in ms. */
  readonly windowMs: number;
  /** Fewer calls than this in the window never open it. */
  readonly minRequests: number;
}

/** What the breaker saves and restores through `state` (cockatiel's `toJSON`). */
interface FailureRatioState {
  readonly newest: number;
  readonly failures: readonly number[];
  readonly calls: readonly number[];
}

function wallClock(): number {
  return Date.now();
}

/**
 * A cockatiel `IBreaker` that opens when at least `failureRatio` of the
 * calls in the last `windowMs` failed, once there were `minRequests` of
 * them. cockatiel's own SamplingBreaker only drops a bucket when a call
 * lands on it again, so under sparse traffic it keeps counting outcomes long
 * after they left its window; here buckets belong to wall-clock slices
 * (bucket `n` holds the calls made in `[n, n + 1)` bucket widths since the
 * epoch) and every slice older than the window is emptied before the
 * ratio is read, however long the quiet was.
 */
export class FailureRatioBreaker implements IBreaker {
  readonly #ratio: number;
  readonly #minRequests: number;
  readonly #bucketMs: number;
  readonly #clock: () => number;
  /** Per bucket slot (`n % BUCKETS`): the failures and calls of slice `n`. */
  readonly #failures = new Array<number>(BUCKETS).fill(0);
  readonly #calls = new Array<number>(BUCKETS).fill(0);
  /** The newest slice counted; every slot holds one of the BUCKETS slices up to it. */
  #newest = 0;
  #totalFailures = 0;
  #totalCalls = 0;

  constructor(settings: FailureRatioSettings, clock: () => number = wallClock) {
    this.#ratio = settings.failureRatio;
    this.#minRequests = settings.minRequests;
    this.#bucketMs = settings.windowMs / BUCKETS;
    this.#clock = clock;
  }

  get state(): unknown {
    const saved: FailureRatioState = {
      newest: this.#newest,
      failures: [...this.#failures],
      calls: [...this.#calls],
    };
    return saved;
  }

  set state(value: unknown) {
    const saved = value as FailureRatioState;
    this.#newest = saved.newest;
    this.#totalFailures = 0;
    this.#totalCalls = 0;
    for (let slot = 0; slot < BUCKETS; slot++) {
      this.#failures[slot] = saved.failures[slot] ?? 0;
      this.#calls[slot] = saved.calls[slot] ?? 0;
      this.#totalFailures += this.#failures[slot] as number;
      this.#totalCalls += this.#calls[slot] as number;
    }
  }

  /** The calls and failures now in the window, for tests and diagnostics. */
  get window(): { readonly calls: number; readonly failures: number } {
    this.#advance();
    return { calls: this.#totalCalls, failures: this.#totalFailures };
  }

  success(state: CircuitState): void {
    // The probe succeeded and the circuit closes: judge it afresh, as cockatiel's breakers do.
    if (state === CircuitState.HalfOpen) this.#reset();
    this.#record(0);
  }

  failure(state: CircuitState): boolean {
    this.#record(1);
    // A failed probe reopens the circuit whatever the ratio.
    if (state !== CircuitState.Closed) return true;
    // Division, not `failures >= ratio * calls`: 3 / 10 is exactly the double 0.3, 0.3 * 10 is not 3.
    return this.#totalCalls >= this.#minRequests && this.#totalFailures / this.#totalCalls >= this.#ratio;
  }

  /** Counts one call in the current slice, `failed` 1 when it failed. */
  #record(failed: 0 | 1): void {
    const slot = this.#advance();
    this.#calls[slot] = (this.#calls[slot] as number) + 1;
    this.#failures[slot] = (this.#failures[slot] as number) + failed;
    this.#totalCalls++;
    this.#totalFailures += failed;
  }

  /**
   * Moves the window to now, emptying the slots of slices that left it;
   * returns the current slice's slot. A clock that steps back counts into
   * the newest slice.
   */
  #advance(): number {
    const now = Math.floor(this.#clock() / this.#bucketMs);
    const newest = this.#newest;
    if (now > newest) {
      if (now - newest >= BUCKETS) this.#reset();
      else for (let slice = newest + 1; slice <= now; slice++) this.#empty(slice % BUCKETS);
      this.#newest = now;
    }
    return this.#newest % BUCKETS;
  }

  #empty(slot: number): void {
    this.#totalFailures -= this.#failures[slot] as number;
    this.#totalCalls -= this.#calls[slot] as number;
    this.#failures[slot] = 0;
    this.#calls[slot] = 0;
  }

  #reset(): void {
    this.#failures.fill(0);
    this.#calls.fill(0);
    this.#totalFailures = 0;
    this.#totalCalls = 0;
  }
}
