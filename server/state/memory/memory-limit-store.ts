import type { LimitAdjustment, LimitState, LimitStore, LimitTake, TakeOutcome } from "../limit-store.ts";

interface Counter {
  /** Epoch ms the current window started (0 for a concurrency counter). */
  windowStart: number;
  windowMs: number;
  used: number;
}

/** Entries past this many are swept of ended windows on the next take. */
const SWEEP_AT = 10_000;

/**
 * Limit counters in this process's memory: exact for one process, and what
 * the embedded gateway uses. A take checks and takes in one synchronous
 * step, so concurrent calls on one event loop can never both pass on the
 * last unit.
 */
export class MemoryLimitStore implements LimitStore {
  readonly #counters = new Map<string, Counter>();

  take(takes: readonly LimitTake[], now: number): Promise<TakeOutcome> {
    return Promise.resolve(this.takeNow(takes, now));
  }

  /** The take, synchronously (the policy's fast path when embedded). */
  takeNow(takes: readonly LimitTake[], now: number): TakeOutcome {
    if (this.#counters.size > SWEEP_AT) this.#sweep(now);
    const counters: Counter[] = [];
    for (let i = 0; i < takes.length; i++) {
      const take = takes[i] as LimitTake;
      counters.push(this.#counter(take.key, take.windowMs, now));
    }
    // Taken one by one and rolled back on a refusal, so a counter named twice counts against itself.
    let refusedBy = -1;
    for (let i = 0; i < takes.length; i++) {
      const take = takes[i] as LimitTake;
      const counter = counters[i] as Counter;
      if (counter.used + take.cost > take.limit) {
        refusedBy = i;
        for (let j = 0; j < i; j++) (counters[j] as Counter).used -= (takes[j] as LimitTake).cost;
        break;
      }
      counter.used += take.cost;
    }
    const admitted = refusedBy === -1;
    const states: LimitState[] = [];
    for (let i = 0; i < takes.length; i++) {
      const take = takes[i] as LimitTake;
      const counter = counters[i] as Counter;
      states.push({
        key: take.key,
        limit: take.limit,
        remaining: Math.max(0, take.limit - counter.used),
        resetMs: take.windowMs === 0 ? 0 : counter.windowStart + take.windowMs - now,
        windowStart: counter.windowStart,
      });
    }
    const refused = admitted ? undefined : (states[refusedBy] as LimitState);
    return {
      admitted,
      states,
      refusedBy,
      retryAfterMs: refused === undefined ? 0 : Math.max(refused.resetMs, 1),
    };
  }

  adjust(adjustments: readonly LimitAdjustment[]): Promise<void> {
    this.adjustNow(adjustments);
    return Promise.resolve();
  }

  /** `adjust`, synchronously. */
  adjustNow(adjustments: readonly LimitAdjustment[]): void {
    for (const { key, windowMs, windowStart, delta } of adjustments) {
      const counter = this.#counters.get(key);
      if (counter !== undefined && (windowMs === 0 || counter.windowStart === windowStart)) {
        counter.used = Math.max(0, counter.used + delta);
      }
    }
  }

  close(): Promise<void> {
    this.#counters.clear();
    return Promise.resolve();
  }

  #counter(key: string, windowMs: number, now: number): Counter {
    const start = windowMs === 0 ? 0 : now - (now % windowMs);
    let counter = this.#counters.get(key);
    if (counter === undefined) {
      counter = { windowStart: start, windowMs, used: 0 };
      this.#counters.set(key, counter);
    } else if (counter.windowStart !== start) {
      counter.windowStart = start;
      counter.windowMs = windowMs;
      counter.used = 0;
    }
    return counter;
  }

  /** Forgets counters whose window has ended with nothing in flight. */
  #sweep(now: number): void {
    for (const [key, counter] of this.#counters) {
      const ended = counter.windowMs > 0 && counter.windowStart + counter.windowMs <= now;
      if (ended || (counter.windowMs === 0 && counter.used === 0)) this.#counters.delete(key);
    }
  }
}
