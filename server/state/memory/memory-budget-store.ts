import type {
  BudgetCounter,
  BudgetReservation,
  BudgetSettlement,
  BudgetState,
  BudgetStore,
  ReserveOutcome,
} from "../budget-store.ts";
import { fromMicros, toMicros } from "../budget-units.ts";

/** Whole micro-units (see budget-units.ts), so sums and comparisons are exact. */
interface Standing {
  spent: number;
  reserved: number;
}

/**
 * Budget counters in this process's memory, exact for one process: a
 * reservation checks and holds in one synchronous step. The embedded gateway
 * seeds `spent` from its ledger at start-up (`seed`), so a restart never
 * resets spend to zero.
 */
export class MemoryBudgetStore implements BudgetStore {
  readonly #standings = new Map<string, Standing>();

  /** Adds settled spend that happened before this process started (rebuilt from the ledger). */
  seed(counter: BudgetCounter, spent: number): void {
    this.#standing(counter).spent += toMicros(spent);
  }

  reserve(reservations: readonly BudgetReservation[]): Promise<ReserveOutcome> {
    return Promise.resolve(this.reserveNow(reservations));
  }

  /** `reserve`, synchronously. */
  reserveNow(reservations: readonly BudgetReservation[]): ReserveOutcome {
    const standings = reservations.map((r) => this.#standing(r));
    // Held one by one and rolled back on a refusal, so a budget named twice counts against itself.
    let refusedBy = -1;
    for (let i = 0; i < reservations.length; i++) {
      const r = reservations[i] as BudgetReservation;
      const s = standings[i] as Standing;
      const amount = toMicros(r.amount);
      if (s.spent + s.reserved + amount > toMicros(r.cap)) {
        refusedBy = i;
        for (let j = 0; j < i; j++)
          (standings[j] as Standing).reserved -= toMicros((reservations[j] as BudgetReservation).amount);
        break;
      }
      s.reserved += amount;
    }
    return {
      admitted: refusedBy === -1,
      refusedBy,
      states: reservations.map((r, i) => state(r, standings[i] as Standing, r.cap)),
    };
  }

  settle(settlements: readonly BudgetSettlement[]): Promise<BudgetState[]> {
    return Promise.resolve(
      settlements.map((s) => {
        const standing = this.#standing(s);
        standing.reserved = Math.max(0, standing.reserved - toMicros(s.reserved));
        standing.spent += toMicros(s.actual);
        return state(s, standing, s.cap);
      }),
    );
  }

  get(counter: BudgetCounter, cap: number): Promise<BudgetState> {
    return Promise.resolve(
      state(counter, this.#standings.get(key(counter)) ?? { spent: 0, reserved: 0 }, cap),
    );
  }

  close(): Promise<void> {
    this.#standings.clear();
    return Promise.resolve();
  }

  #standing(counter: BudgetCounter): Standing {
    const k = key(counter);
    let standing = this.#standings.get(k);
    if (standing === undefined) {
      standing = { spent: 0, reserved: 0 };
      this.#standings.set(k, standing);
    }
    return standing;
  }
}

function key(counter: BudgetCounter): string {
  return `${counter.scope}\u0000${counter.period}`;
}

function state(counter: BudgetCounter, standing: Standing, cap: number): BudgetState {
  return {
    scope: counter.scope,
    period: counter.period,
    spent: fromMicros(standing.spent),
    reserved: fromMicros(standing.reserved),
    cap,
  };
}
