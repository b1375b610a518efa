import type { MessageInitShape } from "@bufbuild/protobuf";
import { BudgetPeriod } from "../../gen/llmgw/v1/budget_pb.js";
import type { KeyBudget, KeyBudgetSchema, KeyLimit, KeyLimitSchema } from "../../gen/llmgw/v1/keys_pb.js";
import type { BudgetRule } from "../config/budgets-schema.ts";
import { type LimitRule, windowName } from "../config/limits-schema.ts";
import type { KeyBudgetInput, KeyLimitInput } from "../core/key-admin.ts";
import { invalidRequest } from "../errors/gateway-error.ts";
import { MAX_BUDGET_CAP } from "../state/budget-units.ts";

/**
 * A key's own limits and budgets between their proto messages and the
 * rules the gateway enforces. Going in, nothing is checked here: the key
 * admin checks them with the config file's schemas. uint64 fields become
 * numbers; one past the safe range is refused there, never rounded. A budget
 * cap past what the budget stores count (see `withinCap`) is refused here.
 */

/**
 * The key's own limits from KeySettings: null (the config's per-key rules)
 * unless `limits_set`. Limits sent without `limits_set` are refused, not dropped.
 */
export function limitInputs(set: boolean, limits: readonly KeyLimit[]): KeyLimitInput[] | null {
  if (!set) return unset("limits", limits.length);
  return limits.map((l) => ({
    requests: l.requests === undefined ? undefined : Number(l.requests),
    tokens: l.tokens === undefined ? undefined : Number(l.tokens),
    concurrent: l.concurrent,
    window: l.window === "" ? undefined : l.window,
  }));
}

/** The key's own budgets from KeySettings: null unless `budgets_set`, as for limits. */
export function budgetInputs(set: boolean, budgets: readonly KeyBudget[]): KeyBudgetInput[] | null {
  if (!set) return unset("budgets", budgets.length);
  return budgets.map((b, i) => ({
    usd: b.usd === undefined ? undefined : withinCap(b.usd, `budgets[${i}].usd`),
    tokens: b.tokens === undefined ? undefined : withinCap(Number(b.tokens), `budgets[${i}].tokens`),
    period: periodName(b.period),
  }));
}

/**
 * A budget cap, refused when it is past MAX_BUDGET_CAP (Infinity, 1e308): its
 * micro-units would not be finite, and every call the budget covers would
 * fail with `unavailable` when it reserves. Below 0, NaN and the like are
 * left to the caller's own checks.
 */
export function withinCap(cap: number, field: string): number {
  if (cap > MAX_BUDGET_CAP) throw invalidRequest(`${field} may be at most ${MAX_BUDGET_CAP}`, field);
  return cap;
}

function unset(field: string, count: number): null {
  if (count > 0)
    throw invalidRequest(
      `${field} given without ${field}_set: set it to true to give the key its own ${field}`,
      `${field}_set`,
    );
  return null;
}

/** "day" or "month"; undefined for an unset or unknown period (which the schema then refuses). */
export function periodName(period: BudgetPeriod): "day" | "month" | undefined {
  return period === BudgetPeriod.DAY ? "day" : period === BudgetPeriod.MONTH ? "month" : undefined;
}

export function keyLimits(rules: readonly LimitRule[]): MessageInitShape<typeof KeyLimitSchema>[] {
  return rules.map((r) => ({
    ...(r.requests === undefined ? {} : { requests: BigInt(r.requests) }),
    ...(r.tokens === undefined ? {} : { tokens: BigInt(r.tokens) }),
    ...(r.concurrent === undefined ? {} : { concurrent: r.concurrent }),
    window: r.window === undefined ? "" : windowName(r.window),
  }));
}

export function keyBudgets(rules: readonly BudgetRule[]): MessageInitShape<typeof KeyBudgetSchema>[] {
  return rules.map((r) => ({
    ...(r.usd === undefined ? {} : { usd: r.usd }),
    ...(r.tokens === undefined ? {} : { tokens: BigInt(r.tokens) }),
    period: r.period === "day" ? BudgetPeriod.DAY : BudgetPeriod.MONTH,
  }));
}
