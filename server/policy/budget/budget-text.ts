import type { BudgetState } from "../../state/budget-store.ts";
import { type BudgetLimit, MICRO_USD } from "./budget-limits.ts";
import type { PeriodWindow } from "./budget-period.ts";

/** `key "alice" daily USD budget`. */
export function describeBudget(limit: BudgetLimit): string {
  const period = limit.period === "day" ? "daily" : "monthly";
  return `${limit.owner} ${period} ${limit.unit === "usd" ? "USD" : "token"} budget`;
}

/** An amount in the budget's unit: `$0.45` or `1,200 tokens`. */
export function amount(limit: BudgetLimit, value: number): string {
  if (limit.unit === "tokens") return `${value.toLocaleString("en-US")} tokens`;
  const usd = value / MICRO_USD;
  // Cents when that is exact, else as many decimals as a micro-dollar needs.
  const text = Number.isInteger(value / 10_000) ? usd.toFixed(2) : usd.toFixed(6).replace(/0+$/, "");
  return `$${text}`;
}

/** The refusal's message: which budget, where it stands, what the call needed and when it resets. */
export function exhaustedMessage(
  limit: BudgetLimit,
  state: BudgetState,
  needed: number,
  window: PeriodWindow,
  zone: string,
): string {
  const standing =
    state.reserved > 0
      ? `${amount(limit, state.spent)} spent and ${amount(limit, state.reserved)} held by calls in flight`
      : `${amount(limit, state.spent)} spent`;
  return (
    `budget exhausted: the ${describeBudget(limit)} has ${standing} of ${amount(limit, state.cap)}, ` +
    `and this request may need up to ${amount(limit, needed)}; ` +
    `it resets at ${new Date(window.resetMs).toISOString()} (budgets run in ${zone})`
  );
}
