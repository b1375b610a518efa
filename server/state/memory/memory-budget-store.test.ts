import { budgetStoreContract } from "../budget-store-contract.ts";
import { MemoryBudgetStore } from "./memory-budget-store.ts";

// Memory is shared only within one process: every "replica" is the same store.
budgetStoreContract("memory", (replicas) => {
  const store = new MemoryBudgetStore();
  return Promise.resolve(Array.from({ length: replicas }, () => store));
});
