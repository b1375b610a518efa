import type { Policy } from "../../core/chain.ts";
import type { BudgetStore } from "../../state/budget-store.ts";
import { ComposedQuotaStore } from "../../state/composed-quota-store.ts";
import { quotaPolicy } from "../quota/quota-policy.ts";
import { BudgetPart, type BudgetPartDeps } from "./budget-part.ts";

export interface BudgetPolicyDeps extends BudgetPartDeps {
  readonly store: BudgetStore;
}

/** Budgets alone, over a BudgetStore: the quota policy with only its budgets half (see budget-part.ts). */
export function budgetPolicy(deps: BudgetPolicyDeps): Policy {
  return quotaPolicy(
    { budgets: new BudgetPart(deps) },
    new ComposedQuotaStore(undefined, deps.store),
  ) as Policy;
}
