/**
 * The rate limiter's port: counters that replicas agree on. Every operation
 * is atomic in the backend (one Lua script on Redis, one synchronous step in
 * memory), so no policy ever reads and then writes.
 *
 * Windows are fixed and aligned to the epoch: a window of `windowMs` starting
 * at `floor(now / windowMs) * windowMs`. A take names the window it lands in
 * by that start, so an adjustment made when the call ends (the real token
 * count) lands in the same window. `windowMs: 0` is a concurrency counter:
 * no window, taken at admission and given back with `adjust(-cost)`.
 */

/** One counter to take from. */
export interface LimitTake {
  /** The counter, e.g. `rpm:key:backend` or `tpm:global`; its backend key. */
  readonly key: string;
  /** Units to take: 1 for a request, the token estimate for TPM. */
  readonly cost: number;
  /** Most units per window (or in flight, for a concurrency counter). */
  readonly limit: number;
  /** Window length, ms; 0 for a concurrency counter. */
  readonly windowMs: number;
}

/** A counter's state after a take, as the `x-ratelimit-*` headers report it. */
export interface LimitState {
  readonly key: string;
  readonly limit: number;
  /** Units left in this window (never below 0). */
  readonly remaining: number;
  /** ms until this window ends and the counter starts afresh (0 for a concurrency counter). */
  readonly resetMs: number;
  /** The window's start (epoch ms) the take landed in, for `adjust`. */
  readonly windowStart: number;
}

/** What a take decided. All or nothing: when one counter refuses, none is taken from. */
export interface TakeOutcome {
  readonly admitted: boolean;
  /** One per take, in order: after the take when admitted, as they stand when refused. */
  readonly states: readonly LimitState[];
  /** When refused: the index of the first counter without room, else -1. */
  readonly refusedBy: number;
  /** When refused: ms until that counter could have room (its window's end), else 0. */
  readonly retryAfterMs: number;
}

/** A change to one counter's window, made when a call ends. */
export interface LimitAdjustment {
  readonly key: string;
  /** The counter's window length, ms; 0 for a concurrency counter. */
  readonly windowMs: number;
  /** The window's start the take landed in (`LimitState.windowStart`); 0 for a concurrency counter. */
  readonly windowStart: number;
  /** Units to add, negative to give back. */
  readonly delta: number;
}

export interface LimitStore {
  /** Takes `cost` from every counter if each has room for it, atomically; else takes nothing. */
  take(takes: readonly LimitTake[], now: number): Promise<TakeOutcome>;
  /**
   * Adds each `delta` (negative to give back) to its counter's window that
   * started at `windowStart`: the real token count once a call ends, a failed
   * call's reservation, or a concurrency slot given back. A window that has
   * ended is left alone. One call settles everything a call took (one round
   * trip on Redis), whatever the number of counters.
   */
  adjust(adjustments: readonly LimitAdjustment[]): Promise<void>;
  close(): Promise<void>;
}
