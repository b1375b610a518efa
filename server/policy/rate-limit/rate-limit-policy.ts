import type { Logger } from "pino";
import { hasLimits, type LimitsConfig } from "../../config/limits-schema.ts";
import { type Call, type KeyInfo, requestedModel } from "../../core/call.ts";
import type { Next, Policy } from "../../core/chain.ts";
import type { EndHook } from "../../core/end-hooks.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type {
  LimitAdjustment,
  LimitState,
  LimitStore,
  LimitTake,
  TakeOutcome,
} from "../../state/limit-store.ts";
import { StoreHealth } from "../store-health.ts";
import { Admission } from "./admission.ts";
import { LimitTable } from "./limit-table.ts";
import { refusal } from "./refusal.ts";
import { reservedTokens, spentTokens } from "./token-reservation.ts";

/** A store that can also take synchronously (the memory store): no promise per call. */
interface SyncLimitStore extends LimitStore {
  takeNow(takes: readonly LimitTake[], now: number): TakeOutcome;
}

export interface RateLimitOptions {
  readonly log: Logger;
  /** Epoch ms; windows are aligned to it. Tests inject their own clock. */
  readonly now?: () => number;
  /** Told when the store starts failing (true) and answers again (false), for a degraded gauge. */
  readonly onDegraded?: (degraded: boolean) => void;
}

/** The key a call without one is counted as (the chain always authenticates first). */
const ANONYMOUS: KeyInfo = { name: "", admin: false, priority: 0, team: "" };

/**
 * Rate limits per key, team, model and globally, over the LimitStore port.
 * It runs after auth and the body's decoding (it needs the key, the model and
 * the prompt) and before routing. One atomic take covers every counter that
 * applies: requests (1), tokens (the prompt estimate plus max_tokens) and
 * concurrency (1, no window); a refusal takes nothing and is `rate_limited`
 * with the limit's name and a Retry-After. When the call ends, its token
 * takes are moved by real usage minus the reservation (a failed call gives
 * the whole reservation back) and its concurrency slots are given back.
 * A store that fails refuses calls with `unavailable` unless `fail_open`.
 *
 * Absent from the chain (`undefined`) when no limit is configured.
 */
export function rateLimitPolicy(
  config: LimitsConfig,
  store: LimitStore,
  options: RateLimitOptions,
): Policy | undefined {
  if (!hasLimits(config)) return undefined;
  const table = new LimitTable(config);
  const health = new StoreHealth(
    options.log,
    config.fail_open,
    { store: "rate-limit store", whenOpen: "calls pass unlimited (limits.fail_open)" },
    options.onDegraded,
  );
  const now = options.now ?? Date.now;

  const adjustFailed = (error: unknown) => health.failed("adjust", error);

  /**
   * Registered only on admitted calls, whose `limits` is their Admission.
   * Everything the call took is settled in one `adjust` (one round trip).
   */
  const settle: EndHook = (outcome, call) => {
    const admission = call.limits as Admission;
    const takes = admission.takes;
    const from = admission.tokensFrom;
    const to = admission.concurrentFrom;
    const adjustments: LimitAdjustment[] = [];
    if (to > from) {
      const delta = spentTokens(outcome.usage) - admission.reserved;
      if (delta !== 0) {
        const states = admission.states;
        for (let i = from; i < to; i++) {
          const take = takes[i] as LimitTake;
          const windowStart = (states[i] as LimitState).windowStart;
          adjustments.push({ key: take.key, windowMs: take.windowMs, windowStart, delta });
        }
        admission.adjusted(delta);
      }
    }
    for (let i = to; i < takes.length; i++)
      adjustments.push({ key: (takes[i] as LimitTake).key, windowMs: 0, windowStart: 0, delta: -1 });
    if (adjustments.length === 0) return;
    try {
      store.adjust(adjustments).then(undefined, adjustFailed);
    } catch (error) {
      adjustFailed(error);
    }
  };

  const admissionFor = (call: Call): Admission | undefined => {
    const counters = table.countersFor(call.key ?? ANONYMOUS, requestedModel(call));
    if (counters.empty) return undefined;
    const reserved = counters.tokens.length === 0 ? 0 : reservedTokens(call, config.default_max_tokens);
    return new Admission(counters, reserved);
  };

  /** Records the store's answer on the call; throws `rate_limited` when it refused. */
  const decide = (call: Call, admission: Admission, outcome: TakeOutcome): void => {
    if (health.degraded) health.recovered();
    admission.record(outcome);
    call.limits = admission;
    if (!outcome.admitted) throw refusal(table, admission.takes, outcome);
    call.end.onEnd(settle);
  };

  const storeFailed = (error: unknown, call: Call, next: Next) => {
    health.failed("take", error);
    if (config.fail_open) return next(call);
    throw new GatewayError(
      "unavailable",
      "rate limits cannot be checked now (the limit store failed); retry shortly",
      { cause: error },
    );
  };

  const sync = syncStore(store);
  if (sync !== undefined) {
    return (next) => (call) => {
      const admission = admissionFor(call);
      if (admission === undefined) return next(call);
      let outcome: TakeOutcome;
      try {
        outcome = sync.takeNow(admission.takes, now());
      } catch (error) {
        return storeFailed(error, call, next);
      }
      decide(call, admission, outcome);
      return next(call);
    };
  }
  return (next) => async (call) => {
    const admission = admissionFor(call);
    if (admission === undefined) return next(call);
    let outcome: TakeOutcome;
    try {
      outcome = await store.take(admission.takes, now());
    } catch (error) {
      return storeFailed(error, call, next);
    }
    decide(call, admission, outcome);
    return next(call);
  };
}

function syncStore(store: LimitStore): SyncLimitStore | undefined {
  const candidate = store as Partial<SyncLimitStore>;
  return typeof candidate.takeNow === "function" ? (store as SyncLimitStore) : undefined;
}
