import { LRUCache } from "lru-cache";
import { type CacheStore, type CacheStoreStats, type CacheTarget, targetMatches } from "../cache-store.ts";

export interface MemoryCacheLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/**
 * The embedded cache store: lru-cache bounded by entry count and by bytes
 * (each entry counts its value and its key), least recently used out first,
 * with a TTL per entry checked on read (no timers).
 */
export class MemoryCacheStore implements CacheStore {
  readonly #lru: LRUCache<string, Uint8Array>;

  constructor(limits: MemoryCacheLimits) {
    this.#lru = new LRUCache<string, Uint8Array>({
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      sizeCalculation: (value, key) => value.byteLength + key.length,
    });
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(this.#lru.get(key));
  }

  set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    // An entry larger than the byte cap is not kept (lru-cache refuses it).
    this.#lru.set(key, value, { ttl: ttlMs });
    return Promise.resolve();
  }

  invalidate(target: CacheTarget): Promise<number> {
    if (target.kind === "key") return Promise.resolve(this.#lru.delete(target.key) ? 1 : 0);
    let removed = 0;
    for (const key of [...this.#lru.keys()]) {
      if (targetMatches(target, key) && this.#lru.delete(key)) removed++;
    }
    return Promise.resolve(removed);
  }

  stats(): Promise<CacheStoreStats> {
    this.#lru.purgeStale();
    return Promise.resolve({ entries: this.#lru.size, bytes: this.#lru.calculatedSize });
  }

  close(): Promise<void> {
    this.#lru.clear();
    return Promise.resolve();
  }
}
