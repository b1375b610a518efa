import { ComposedQuotaStore } from "../composed-quota-store.ts";
import { type QuotaHandle, quotaStoreContract } from "../quota-store-contract.ts";
import { MemoryBudgetStore } from "./memory-budget-store.ts";
import { MemoryLimitStore } from "./memory-limit-store.ts";
import { MemoryQuotaStore } from "./memory-quota-store.ts";

function handle(store: MemoryQuotaStore | ComposedQuotaStore, budgets: MemoryBudgetStore): QuotaHandle {
  return {
    store,
    budget: async (scope) => {
      const { spent, reserved } = await budgets.get({ scope, period: "day:2026-01-01" }, 0);
      return { spent, reserved };
    },
  };
}

// Memory is shared only within a process: every "replica" is the one store.
quotaStoreContract(
  "memory (synchronous)",
  async (replicas) => {
    const store = new MemoryQuotaStore();
    return Array.from({ length: replicas }, () => handle(store, store.budgets));
  },
  async () => {},
);

quotaStoreContract(
  "composed over the memory stores",
  async (replicas) => {
    const budgets = new MemoryBudgetStore();
    const store = new ComposedQuotaStore(new MemoryLimitStore(), budgets);
    return Array.from({ length: replicas }, () => handle(store, budgets));
  },
  async () => {},
);
