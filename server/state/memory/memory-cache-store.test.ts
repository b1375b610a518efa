import { cacheStoreContract } from "../cache-store-contract.ts";
import { MemoryCacheStore } from "./memory-cache-store.ts";

// Memory is shared only within one process: every "replica" is the one store.
cacheStoreContract("memory", (replicas, maxEntries, maxBytes) => {
  const store = new MemoryCacheStore({ maxEntries, maxBytes });
  return Promise.resolve(Array.from({ length: replicas }, () => store));
});
