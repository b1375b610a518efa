import type { Logger } from "pino";
import type { BudgetBackfill, BudgetCounter } from "../../state/budget-store.ts";
import type { LedgerSink, UsageQuery } from "../../state/ledger-sink.ts";
import { type BudgetLimit, MICRO_USD } from "./budget-limits.ts";
import type { PeriodWindow } from "./budget-period.ts";

/** What an admission held: the budgets, their periods, and the counters (by index). */
export interface HeldBudgets {
  readonly applicable: readonly BudgetLimit[];
  readonly windows: readonly PeriodWindow[];
  readonly reservations: readonly BudgetCounter[];
}

/**
 * Gives a shared budget counter the spend it lost. A Redis restarted
 * without persistence starts a period's counters again from 0; each counter
 * remembers when it was first written (`since`), and the first admission
 * that finds one not yet seeded starts this: it sums what the shared ledger
 * (PostgreSQL) recorded for the budget's scope from the period's start to
 * `since`, and adds it to the counter once, whichever replica gets there
 * first. A fresh period's counter is seeded with nothing, once.
 *
 * The admission that found the counter empty is not held back: it, and any
 * others admitted before the backfill lands, are checked against the spend
 * since `since` alone. A call in flight at the moment of the loss may be
 * counted twice (in the ledger before `since`, and again when it settles):
 * an overcount, never an undercount.
 */
export class BudgetBackfiller {
  readonly #store: BudgetBackfill;
  readonly #ledger: LedgerSink;
  readonly #log: Logger;
  /** Counters being filled by this process, so concurrent admissions start one fill each. */
  readonly #filling = new Set<string>();

  constructor(store: BudgetBackfill, ledger: LedgerSink, log: Logger) {
    this.#store = store;
    this.#ledger = ledger;
    this.#log = log;
  }

  /** Starts filling the held budgets at `unseeded` (indices), unless a fill of each is under way. */
  fill(held: HeldBudgets, unseeded: readonly number[]): void {
    for (const i of unseeded) {
      const counter = held.reservations[i] as BudgetCounter;
      const id = `${counter.period}\u0000${counter.scope}`;
      if (this.#filling.has(id)) continue;
      this.#filling.add(id);
      const limit = held.applicable[i] as BudgetLimit;
      const window = held.windows[i] as PeriodWindow;
      this.#fill(limit, window, { scope: counter.scope, period: counter.period })
        .catch((error: unknown) =>
          this.#log.warn(
            { err: error, budget: counter.scope, period: counter.period },
            "could not add the ledger's earlier spend to a budget counter; the next admission tries again",
          ),
        )
        .finally(() => this.#filling.delete(id));
    }
  }

  async #fill(limit: BudgetLimit, window: PeriodWindow, counter: BudgetCounter): Promise<void> {
    const since = await this.#store.since(counter);
    if (since === undefined) return;
    const rows = await this.#ledger.totals({ startMs: window.startMs, endMs: since, ...ledgerFilter(limit) });
    let spent = 0;
    for (const row of rows)
      spent +=
        limit.unit === "usd" ? Math.round(row.costUsd * MICRO_USD) : row.promptTokens + row.completionTokens;
    if (await this.#store.backfill(counter, spent)) {
      this.#log.info(
        { budget: counter.scope, period: counter.period, spent, sinceMs: since },
        "a budget counter was given the spend the ledger recorded before it",
      );
    }
  }
}

/** The ledger rows a budget counts: its key's, its team's, or every row. */
function ledgerFilter(limit: BudgetLimit): Pick<UsageQuery, "key" | "team"> {
  const name = limit.scope.slice(limit.unit.length + limit.level.length + 2);
  if (limit.level === "key") return { key: name };
  if (limit.level === "team") return { team: name };
  return {};
}
