import type { BudgetReservation, BudgetSettlement, BudgetState, BudgetStore } from "./budget-store.ts";
import type { LimitAdjustment, LimitStore, LimitTake, TakeOutcome } from "./limit-store.ts";
import {
  givingBack,
  NOT_RESERVED,
  NOTHING_RESERVED,
  NOTHING_TAKEN,
  type QuotaOutcome,
  type QuotaStore,
} from "./quota-store.ts";

const NO_STATES: BudgetState[] = [];

/**
 * A QuotaStore over a separate LimitStore and BudgetStore: the take first,
 * then the reservation, and a take given back when a budget refuses. Each
 * half is atomic on its own; together they are one after the other, which
 * costs two round trips on a remote store (RedisQuotaStore does both in
 * one). Over the memory stores it is exact and synchronous.
 */
export class ComposedQuotaStore implements QuotaStore {
  readonly #limits: LimitStore | undefined;
  readonly #budgets: BudgetStore | undefined;

  constructor(limits: LimitStore | undefined, budgets: BudgetStore | undefined) {
    this.#limits = limits;
    this.#budgets = budgets;
  }

  async admit(
    takes: readonly LimitTake[],
    now: number,
    reservations: readonly BudgetReservation[],
  ): Promise<QuotaOutcome> {
    const taken = takes.length === 0 ? NOTHING_TAKEN : await need(this.#limits, "limit").take(takes, now);
    if (!taken.admitted) return { taken, reserved: NOT_RESERVED };
    if (reservations.length === 0) return { taken, reserved: NOTHING_RESERVED };
    try {
      const reserved = await need(this.#budgets, "budget").reserve(reservations);
      if (!reserved.admitted) await this.#giveBack(takes, taken);
      return { taken, reserved };
    } catch (error) {
      await this.#giveBack(takes, taken).catch(() => {});
      throw error;
    }
  }

  async settle(
    adjustments: readonly LimitAdjustment[],
    settlements: readonly BudgetSettlement[],
  ): Promise<BudgetState[]> {
    const [, states] = await Promise.all([
      adjustments.length === 0 ? undefined : need(this.#limits, "limit").adjust(adjustments),
      settlements.length === 0 ? NO_STATES : need(this.#budgets, "budget").settle(settlements),
    ]);
    return states;
  }

  #giveBack(takes: readonly LimitTake[], taken: TakeOutcome): Promise<void> {
    return takes.length === 0
      ? Promise.resolve()
      : need(this.#limits, "limit").adjust(givingBack(takes, taken));
  }
}

/** The store a non-empty list needs; a caller that built one without it is a bug. */
function need<T>(store: T | undefined, what: string): T {
  if (store === undefined) throw new Error(`a quota store without a ${what} store was asked to use one`);
  return store;
}
