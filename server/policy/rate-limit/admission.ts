import type { CallLimits, LimitReading } from "../../core/call.ts";
import type { LimitState, LimitTake, TakeOutcome } from "../../state/limit-store.ts";
import type { CallCounters } from "./limit-table.ts";

const NO_STATES: readonly LimitState[] = [];

/**
 * One call's rate-limit take, and what the end hook needs to settle it: it
 * is the call's `limits` (the headers' view) and its bookkeeping in one
 * object, so a call costs one allocation here beyond the store's answer.
 * Takes are ordered requests, tokens, concurrent, as `CallCounters` holds them.
 */
export class Admission implements CallLimits {
  readonly counters: CallCounters;
  /** What is taken: `counters.fixed` itself when no token counter applies. */
  readonly takes: readonly LimitTake[];
  /** Tokens reserved on each token counter: the estimated prompt plus max_tokens. */
  readonly reserved: number;
  /** The store's states, one per take. */
  states: readonly LimitState[] = NO_STATES;
  requests: LimitReading | undefined = undefined;
  tokens: LimitReading | undefined = undefined;

  constructor(counters: CallCounters, reserved: number) {
    this.counters = counters;
    this.reserved = reserved;
    this.takes = counters.tokens.length === 0 ? counters.fixed : withTokens(counters, reserved);
  }

  /** Index in `takes` of the first token take. */
  get tokensFrom(): number {
    return this.counters.requests.length;
  }

  /** Index in `takes` of the first concurrency take. */
  get concurrentFrom(): number {
    return this.counters.requests.length + this.counters.tokens.length;
  }

  /** Records the store's answer and picks the tightest counter of each kind for the headers. */
  record(outcome: TakeOutcome): void {
    const states = outcome.states;
    this.states = states;
    this.requests = tightest(states, 0, this.tokensFrom);
    this.tokens = tightest(states, this.tokensFrom, this.concurrentFrom);
  }

  /**
   * Moves the headers' token reading by what the end hook gave back or took
   * (a unary answer's headers are written after its end hooks, so they show
   * the counter as the real usage left it).
   */
  adjusted(delta: number): void {
    const tokens = this.tokens;
    if (tokens === undefined) return;
    const remaining = Math.min(tokens.limit, Math.max(0, tokens.remaining - delta));
    this.tokens = { limit: tokens.limit, remaining, resetMs: tokens.resetMs };
  }
}

/** The fixed takes with the call's token takes between requests and concurrency. */
function withTokens(counters: CallCounters, reserved: number): LimitTake[] {
  const takes: LimitTake[] = [];
  for (const take of counters.requests) takes.push(take);
  for (const counter of counters.tokens)
    takes.push({ key: counter.key, cost: reserved, limit: counter.limit, windowMs: counter.windowMs });
  for (const take of counters.concurrent) takes.push(take);
  return takes;
}

/** The state in [from, to) with the least room left; of equals, the one that resets last. */
function tightest(states: readonly LimitState[], from: number, to: number): LimitState | undefined {
  let best: LimitState | undefined;
  for (let i = from; i < to; i++) {
    const state = states[i] as LimitState;
    if (
      best === undefined ||
      state.remaining < best.remaining ||
      (state.remaining === best.remaining && state.resetMs > best.resetMs)
    )
      best = state;
  }
  return best;
}
