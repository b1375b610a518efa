import { limitStoreContract } from "../limit-store-contract.ts";
import { MemoryLimitStore } from "./memory-limit-store.ts";

// Memory is shared only within one process: every "replica" is the same store.
limitStoreContract("memory", (replicas) => {
  const store = new MemoryLimitStore();
  return Promise.resolve(Array.from({ length: replicas }, () => store));
});
