import type { BudgetReservation } from "../budget-store.ts";
import { ComposedQuotaStore } from "../composed-quota-store.ts";
import type { LimitTake } from "../limit-store.ts";
import {
  givingBack,
  NOT_RESERVED,
  NOTHING_RESERVED,
  NOTHING_TAKEN,
  type QuotaOutcome,
  type SyncQuotaStore,
} from "../quota-store.ts";
import { MemoryBudgetStore } from "./memory-budget-store.ts";
import { MemoryLimitStore } from "./memory-limit-store.ts";

/**
 * The embedded quota store: the memory limit and budget stores, composed,
 * admitting without a promise. Exact within one process.
 */
export class MemoryQuotaStore extends ComposedQuotaStore implements SyncQuotaStore {
  readonly limits: MemoryLimitStore;
  readonly budgets: MemoryBudgetStore;

  constructor(limits = new MemoryLimitStore(), budgets = new MemoryBudgetStore()) {
    super(limits, budgets);
    this.limits = limits;
    this.budgets = budgets;
  }

  admitNow(
    takes: readonly LimitTake[],
    now: number,
    reservations: readonly BudgetReservation[],
  ): QuotaOutcome {
    const taken = takes.length === 0 ? NOTHING_TAKEN : this.limits.takeNow(takes, now);
    if (!taken.admitted) return { taken, reserved: NOT_RESERVED };
    if (reservations.length === 0) return { taken, reserved: NOTHING_RESERVED };
    const reserved = this.budgets.reserveNow(reservations);
    if (!reserved.admitted && takes.length > 0) this.limits.adjustNow(givingBack(takes, taken));
    return { taken, reserved };
  }
}
