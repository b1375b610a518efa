import type { Logger } from "pino";
import type { LimitsConfig } from "../../config/limits-schema.ts";
import { type Call, type KeyInfo, requestedModel } from "../../core/call.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import type { LimitAdjustment, LimitState, LimitTake, TakeOutcome } from "../../state/limit-store.ts";
import { StoreHealth } from "../store-health.ts";
import { Admission } from "./admission.ts";
import { LimitTable } from "./limit-table.ts";
import { refusal } from "./refusal.ts";
import { reservedTokens, spentTokens } from "./token-reservation.ts";

/** The key a call without one is counted as (the chain always authenticates first). */
const ANONYMOUS: KeyInfo = { name: "", admin: false, priority: 0, team: "" };

const WORDS = { store: "rate-limit store", whenOpen: "calls pass unlimited (limits.fail_open)" };

export interface LimitPartOptions {
  readonly log: Logger;
  /** Told when the store starts failing (true) and answers again (false), for a degraded gauge. */
  readonly onDegraded?: (degraded: boolean) => void;
}

/**
 * The rate limits' half of the quota policy (quota-policy.ts): per key,
 * team, model and globally. It says what a call takes (requests: 1; tokens:
 * the prompt estimate plus max_tokens; concurrency: 1, no window), decides
 * on the store's answer (`rate_limited` with the limit's name and a
 * Retry-After), and says what the call's end gives back: its token takes
 * moved by real usage minus the reservation (a failed call gives the whole
 * reservation back) and its concurrency slots.
 */
export class LimitPart {
  readonly #table: LimitTable;
  readonly #defaultMaxTokens: number;
  readonly health: StoreHealth;
  readonly failOpen: boolean;

  constructor(config: LimitsConfig, options: LimitPartOptions) {
    this.#table = new LimitTable(config);
    this.#defaultMaxTokens = config.default_max_tokens;
    this.failOpen = config.fail_open;
    this.health = new StoreHealth(options.log, config.fail_open, WORDS, options.onDegraded);
  }

  /** What the call takes, or undefined when no limit applies to it. */
  prepare(call: Call): Admission | undefined {
    const counters = this.#table.countersFor(call.key ?? ANONYMOUS, requestedModel(call));
    if (counters.empty) return undefined;
    const reserved = counters.tokens.length === 0 ? 0 : reservedTokens(call, this.#defaultMaxTokens);
    return new Admission(counters, reserved);
  }

  /** Records the store's answer on the call (for the headers, admitted or not); throws `rate_limited` when it refused. */
  decide(call: Call, admission: Admission, outcome: TakeOutcome): void {
    admission.record(outcome);
    call.limits = admission;
    if (!outcome.admitted) throw refusal(this.#table, admission.takes, outcome);
  }

  /** Appends what the ended call gives back or adds to `out`. */
  settle(admission: Admission, outcome: Outcome, out: LimitAdjustment[]): void {
    const takes = admission.takes;
    const from = admission.tokensFrom;
    const to = admission.concurrentFrom;
    if (to > from) {
      const delta = spentTokens(outcome.usage) - admission.reserved;
      if (delta !== 0) {
        const states = admission.states;
        for (let i = from; i < to; i++) {
          const take = takes[i] as LimitTake;
          const windowStart = (states[i] as LimitState).windowStart;
          out.push({ key: take.key, windowMs: take.windowMs, windowStart, delta });
        }
        admission.adjusted(delta);
      }
    }
    for (let i = to; i < takes.length; i++)
      out.push({ key: (takes[i] as LimitTake).key, windowMs: 0, windowStart: 0, delta: -1 });
  }
}
