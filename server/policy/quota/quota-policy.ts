import type { Call } from "../../core/call.ts";
import type { Next, Policy } from "../../core/chain.ts";
import type { EndHook } from "../../core/end-hooks.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { BudgetReservation, BudgetSettlement } from "../../state/budget-store.ts";
import type { LimitAdjustment, LimitTake } from "../../state/limit-store.ts";
import type { QuotaOutcome, QuotaStore, SyncQuotaStore } from "../../state/quota-store.ts";
import type { BudgetHold, BudgetPart } from "../budget/budget-part.ts";
import type { Admission } from "../rate-limit/admission.ts";
import type { LimitPart } from "../rate-limit/limit-part.ts";

/** The halves of the quota policy that config switches on. */
export interface QuotaParts {
  readonly limits?: LimitPart | undefined;
  readonly budgets?: BudgetPart | undefined;
}

const NO_TAKES: readonly LimitTake[] = [];
const NO_RESERVATIONS: readonly BudgetReservation[] = [];
const NO_SETTLEMENTS: BudgetSettlement[] = [];

/**
 * Rate limits and budgets, admitted together: one atomic `admit` takes from
 * every limit counter and holds every budget's share of the worst case, or
 * does neither; one `settle` gives back what the call's end gives back. On
 * Redis each is one script, so a call costs one round trip at admission and
 * one at its end, whatever the number of rules. A limit refusal is
 * `rate_limited` (the budgets are not touched), a budget refusal
 * `budget_exhausted` (nothing is taken). A store that fails refuses with
 * `unavailable` unless every half that applies to the call has `fail_open`.
 *
 * It runs after route and scope: a budget prices the worst case on the
 * deployments the plan may try, and a call the key may not make is refused
 * before it counts. Absent from the chain (`undefined`) with neither half.
 */
export function quotaPolicy(
  parts: QuotaParts,
  store: QuotaStore,
  now: () => number = Date.now,
): Policy | undefined {
  const { limits, budgets } = parts;
  if (limits === undefined && budgets === undefined) return undefined;

  const settleHook =
    (admission: Admission | undefined, hold: BudgetHold | undefined): EndHook =>
    (outcome, call) => {
      const adjustments: LimitAdjustment[] = [];
      if (admission !== undefined) limits?.settle(admission, outcome, adjustments);
      const settlements =
        hold === undefined || budgets === undefined ? NO_SETTLEMENTS : budgets.settlements(hold, outcome);
      if (adjustments.length === 0 && settlements.length === 0) return;
      const failed = (error: unknown) => {
        if (admission !== undefined) limits?.health.failed("adjust", error);
        if (hold !== undefined) budgets?.settleFailed(call, error);
      };
      try {
        store.settle(adjustments, settlements).then((states) => {
          if (hold !== undefined) budgets?.settled(hold, settlements, states);
        }, failed);
      } catch (error) {
        failed(error);
      }
    };

  /** Applies the store's answer; throws the refusal, else registers the settlement. */
  const decide = (
    call: Call,
    admission: Admission | undefined,
    hold: BudgetHold | undefined,
    outcome: QuotaOutcome,
  ): void => {
    if (admission !== undefined && limits !== undefined) {
      if (limits.health.degraded) limits.health.recovered();
      limits.decide(call, admission, outcome.taken);
    }
    if (hold !== undefined && budgets !== undefined) {
      if (budgets.health.degraded) budgets.health.recovered();
      budgets.decide(hold, outcome.reserved);
    }
    call.end.onEnd(settleHook(admission, hold));
  };

  const storeFailed = (
    error: unknown,
    call: Call,
    next: Next,
    admission: Admission | undefined,
    hold: BudgetHold | undefined,
  ) => {
    const limitsClosed = admission !== undefined && limits !== undefined && !limits.failOpen;
    const budgetsClosed = hold !== undefined && budgets !== undefined && !budgets.failOpen;
    if (admission !== undefined) limits?.health.failed("take", error);
    if (hold !== undefined) budgets?.health.failed("reserve", error);
    if (!limitsClosed && !budgetsClosed) return next(call);
    const message = limitsClosed
      ? "rate limits cannot be checked now (the limit store failed); retry shortly"
      : "budgets cannot be checked right now; retry the request";
    throw new GatewayError("unavailable", message, { cause: error });
  };

  const sync = syncStore(store);
  if (sync !== undefined) {
    return (next) => (call) => {
      const admission = limits?.prepare(call);
      const hold = budgets?.prepare(call);
      if (admission === undefined && hold === undefined) return next(call);
      let outcome: QuotaOutcome;
      try {
        outcome = sync.admitNow(admission?.takes ?? NO_TAKES, now(), hold?.reservations ?? NO_RESERVATIONS);
      } catch (error) {
        return storeFailed(error, call, next, admission, hold);
      }
      decide(call, admission, hold, outcome);
      return next(call);
    };
  }
  return (next) => async (call) => {
    const admission = limits?.prepare(call);
    const hold = budgets?.prepare(call);
    if (admission === undefined && hold === undefined) return next(call);
    let outcome: QuotaOutcome;
    try {
      outcome = await store.admit(admission?.takes ?? NO_TAKES, now(), hold?.reservations ?? NO_RESERVATIONS);
    } catch (error) {
      return storeFailed(error, call, next, admission, hold);
    }
    decide(call, admission, hold, outcome);
    return next(call);
  };
}

function syncStore(store: QuotaStore): SyncQuotaStore | undefined {
  const candidate = store as Partial<SyncQuotaStore>;
  return typeof candidate.admitNow === "function" ? (store as SyncQuotaStore) : undefined;
}
