import type { BudgetPeriod, BudgetRule } from "../../config/budgets-schema.ts";
import type { BudgetCounter } from "../../state/budget-store.ts";
import type { LedgerSink } from "../../state/ledger-sink.ts";
import { type BudgetLimits, MICRO_USD } from "./budget-limits.ts";
import type { PeriodClock } from "./budget-period.ts";

/** A store that can take spend recorded before the process started (the memory backend). */
export interface SeedableStore {
  seed(counter: BudgetCounter, spent: number): void;
}

/**
 * Rebuilds the current periods' spend from the usage ledger, so a restart of
 * the embedded gateway never resets a budget to zero. The ledger is read
 * from each period's start (in the budgets' zone) to now; each row's key is
 * charged to its own budgets, its team's (from `teamOf`) and the global ones,
 * exactly as the policy charges a live call (a stored key with budgets of its
 * own, from `budgetsOf`, to those).
 */
export async function seedSpend(
  store: SeedableStore,
  ledger: LedgerSink,
  limits: BudgetLimits,
  clock: PeriodClock,
  teamOf: (key: string) => string,
  budgetsOf: (key: string) => readonly BudgetRule[] | undefined = () => undefined,
): Promise<void> {
  const endMs = clock.now() + 1;
  for (const period of ["day", "month"] as const satisfies readonly BudgetPeriod[]) {
    const window = clock.current(period);
    const spent = new Map<string, number>();
    for (const row of await ledger.totals({ startMs: window.startMs, endMs })) {
      const microUsd = Math.round(row.costUsd * MICRO_USD);
      const tokens = row.promptTokens + row.completionTokens;
      // Rows written before the ledger kept a team are charged to the key's team today.
      const team = row.team === "" ? teamOf(row.key) : row.team;
      const budgets = budgetsOf(row.key);
      const payer = budgets === undefined ? { name: row.key, team } : { name: row.key, team, budgets };
      for (const limit of limits.for(payer)) {
        if (limit.period !== period) continue;
        const added = limit.unit === "usd" ? microUsd : tokens;
        spent.set(limit.scope, (spent.get(limit.scope) ?? 0) + added);
      }
    }
    for (const [scope, amount] of spent) if (amount > 0) store.seed({ scope, period: window.name }, amount);
  }
}
