import type { BudgetReservation, BudgetSettlement, BudgetState, ReserveOutcome } from "./budget-store.ts";
import type { LimitAdjustment, LimitTake, TakeOutcome } from "./limit-store.ts";

/**
 * One call's admission against both the rate limits and the budgets, and its
 * settlement when it ends: the operations the quota policy makes, each one
 * round trip however many counters and budgets a call touches (one Lua
 * script on Redis). Built over the LimitStore and BudgetStore ports, whose
 * contracts each half keeps.
 */

/** What an admission decided. All or nothing across both halves. */
export interface QuotaOutcome {
  /**
   * The limits' take. When it refuses, no budget is touched. When it passes
   * but a budget refuses, nothing is taken either, and its states are what
   * the take would have left.
   */
  readonly taken: TakeOutcome;
  /** The budgets' reservation; when the take refused, `admitted` is false with `refusedBy` -1. */
  readonly reserved: ReserveOutcome;
}

export interface QuotaStore {
  /** Takes from every counter and holds every amount if each has room, atomically; else does neither. */
  admit(
    takes: readonly LimitTake[],
    now: number,
    reservations: readonly BudgetReservation[],
  ): Promise<QuotaOutcome>;
  /** Applies the call's limit adjustments and settles its reservations; the budgets' states after. */
  settle(
    adjustments: readonly LimitAdjustment[],
    settlements: readonly BudgetSettlement[],
  ): Promise<BudgetState[]>;
}

/** A QuotaStore that can also admit synchronously (in memory): no promise per call. */
export interface SyncQuotaStore extends QuotaStore {
  admitNow(
    takes: readonly LimitTake[],
    now: number,
    reservations: readonly BudgetReservation[],
  ): QuotaOutcome;
}

/** The outcome of taking from no counter. */
export const NOTHING_TAKEN: TakeOutcome = { admitted: true, states: [], refusedBy: -1, retryAfterMs: 0 };

/** The outcome of reserving no budget. */
export const NOTHING_RESERVED: ReserveOutcome = { admitted: true, states: [], refusedBy: -1 };

/** The reservation's outcome when the take refused first: nothing was asked of the budgets. */
export const NOT_RESERVED: ReserveOutcome = { admitted: false, states: [], refusedBy: -1 };

/** The adjustments that give back everything an admitted take took (the call was refused after all). */
export function givingBack(takes: readonly LimitTake[], taken: TakeOutcome): LimitAdjustment[] {
  return takes.map((take, i) => ({
    key: take.key,
    windowMs: take.windowMs,
    windowStart: take.windowMs === 0 ? 0 : (taken.states[i]?.windowStart ?? 0),
    delta: -take.cost,
  }));
}
