import type {
  BudgetCounter,
  BudgetReservation,
  BudgetSettlement,
  BudgetState,
  BudgetStore,
  ReserveOutcome,
} from "../budget-store.ts";

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
    this.#standing(counter).spent += spent;
  }

  reserve(reservations: readonly BudgetReservation[]): Promise<ReserveOutcome> {
    const standings = reservations.map((r) => this.#standing(r));
    const refusedBy = reservations.findIndex((r, i) => {
      const s = standings[i] as Standing;
      return s.spent + s.reserved + r.amount > r.cap;
    });
    const admitted = refusedBy === -1;
    if (admitted) reservations.forEach((r, i) => ((standings[i] as Standing).reserved += r.amount));
    return Promise.resolve({
      admitted,
      refusedBy,
      states: reservations.map((r, i) => state(r, standings[i] as Standing, r.cap)),
    });
  }

  settle(settlements: readonly BudgetSettlement[]): Promise<BudgetState[]> {
    return Promise.resolve(
      settlements.map((s) => {
        const standing = this.#standing(s);
        standing.reserved = Math.max(0, standing.reserved - s.reserved);
        standing.spent += s.actual;
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
    spent: standing.spent,
    reserved: standing.reserved,
    cap,
  };
}
