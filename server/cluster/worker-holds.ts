import type { BudgetReservation, BudgetSettlement } from "../state/budget-store.ts";
import type { LimitAdjustment, LimitTake } from "../state/limit-store.ts";

interface HeldBudget {
  scope: string;
  period: string;
  cap: number;
  amount: number;
}

/**
 * What one worker holds in the broker's store: its concurrency slots and its
 * budget reservations, counted up at admission and down at settlement. When
 * the worker dies these are what it can never give back itself, so the
 * broker gives them back for it (the lease of a worker is its IPC channel).
 * Windowed counters are not held: what a call took from a window is spent.
 */
export class WorkerHolds {
  readonly #slots = new Map<string, number>();
  readonly #budgets = new Map<string, HeldBudget>();

  took(takes: readonly LimitTake[]): void {
    for (const take of takes) {
      if (take.windowMs === 0) this.#slots.set(take.key, (this.#slots.get(take.key) ?? 0) + take.cost);
    }
  }

  adjusted(adjustments: readonly LimitAdjustment[]): void {
    for (const a of adjustments) {
      if (a.windowMs !== 0) continue;
      const left = (this.#slots.get(a.key) ?? 0) + a.delta;
      if (left > 0) this.#slots.set(a.key, left);
      else this.#slots.delete(a.key);
    }
  }

  reserved(reservations: readonly BudgetReservation[]): void {
    for (const r of reservations) {
      const id = `${r.scope}\u0000${r.period}`;
      const held = this.#budgets.get(id);
      if (held === undefined) this.#budgets.set(id, { ...r });
      else held.amount += r.amount;
    }
  }

  settled(settlements: readonly BudgetSettlement[]): void {
    for (const s of settlements) {
      const id = `${s.scope}\u0000${s.period}`;
      const held = this.#budgets.get(id);
      if (held === undefined) continue;
      held.amount -= s.reserved;
      if (held.amount <= 0) this.#budgets.delete(id);
    }
  }

  /** The adjustments that give every held slot back. */
  slotsBack(): LimitAdjustment[] {
    return [...this.#slots].map(([key, held]) => ({ key, windowMs: 0, windowStart: 0, delta: -held }));
  }

  /** The settlements that release every held reservation (nothing spent). */
  budgetsBack(): BudgetSettlement[] {
    return [...this.#budgets.values()].map((h) => ({
      scope: h.scope,
      period: h.period,
      reserved: h.amount,
      actual: 0,
      cap: h.cap,
    }));
  }
}
