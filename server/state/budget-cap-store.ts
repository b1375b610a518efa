/**
 * Budget caps changed at runtime (`BudgetService.SetBudget`), shared by every
 * replica: the latest change per scope and period, and a notice to every
 * replica when one is made. Caps from the config file are not here; these
 * changes go on top of them.
 */

/** One scope's caps for one period, as SetBudget set them; no cap at all removes the budget. */
export interface BudgetCapChange {
  /** `key:<name>`, `team:<team>` or `global`. */
  readonly scope: string;
  readonly period: "day" | "month";
  readonly usd?: number;
  readonly tokens?: number;
}

export interface BudgetCapStore {
  /** Every change made so far, the latest per scope and period, in no particular order. */
  list(): Promise<BudgetCapChange[]>;
  /** Stores a change (replacing the scope's earlier one for that period) and tells every replica. */
  put(change: BudgetCapChange): Promise<void>;
  /**
   * Runs `listener` whenever any replica stored a change, and whenever this
   * replica may have missed one (its notices came back after a disconnect).
   */
  subscribe(listener: () => void): void;
  close(): Promise<void>;
}
