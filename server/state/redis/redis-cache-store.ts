import type { CacheStore, CacheStoreStats, CacheTarget } from "../cache-store.ts";
import { CACHE_INVALIDATE_LUA, CACHE_SET_LUA, CACHE_STATS_LUA } from "./redis-cache-scripts.ts";
import type { RedisConnection } from "./redis-connection.ts";

export interface RedisCacheStoreOptions {
  /** Put before every key, as for the other stores. Default `llmgw:`. */
  readonly prefix?: string;
  readonly maxEntries: number;
  readonly maxBytes: number;
}

const STORE = "cache store (Redis)";

interface CacheCommands {
  llmgwCacheSet(numKeys: number, ...keysAndArgs: (string | number | Buffer)[]): Promise<number>;
  llmgwCacheInvalidate(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  llmgwCacheStats(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<[number, number]>;
}

/**
 * Cache entries in the Redis every replica shares: each a key with its own
 * PX TTL, with the entry and byte caps kept by one Lua script per write
 * (oldest expiry out first, see redis-cache-scripts.ts). Reads are one GET.
 * Every failure rejects with `unavailable`; the cache policy fails open on
 * it (the call goes upstream) and reports the store as degraded.
 */
export class RedisCacheStore implements CacheStore {
  readonly #connection: RedisConnection;
  readonly #commands: CacheCommands;
  readonly #entryPrefix: string;
  readonly #indexKeys: readonly [string, string, string];
  readonly #maxEntries: number;
  readonly #maxBytes: number;

  constructor(connection: RedisConnection, options: RedisCacheStoreOptions) {
    connection.client.defineCommand("llmgwCacheSet", { lua: CACHE_SET_LUA });
    connection.client.defineCommand("llmgwCacheInvalidate", { lua: CACHE_INVALIDATE_LUA });
    connection.client.defineCommand("llmgwCacheStats", { lua: CACHE_STATS_LUA });
    const prefix = `${options.prefix ?? "llmgw:"}cache:`;
    this.#connection = connection;
    this.#commands = connection.client as unknown as CacheCommands;
    this.#entryPrefix = `${prefix}e:`;
    this.#indexKeys = [`${prefix}index`, `${prefix}sizes`, `${prefix}bytes`];
    this.#maxEntries = options.maxEntries;
    this.#maxBytes = options.maxBytes;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const value = await this.#connection.client.getBuffer(this.#entryPrefix + key);
      // A plain Uint8Array view, as the memory store returns: callers need not know of Buffer.
      return value === null ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    try {
      await this.#commands.llmgwCacheSet(
        3,
        ...this.#indexKeys,
        Date.now(),
        this.#entryPrefix,
        key,
        bytes,
        Math.max(1, Math.round(ttlMs)),
        this.#maxEntries,
        this.#maxBytes,
      );
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
  }

  async invalidate(target: CacheTarget): Promise<number> {
    const what = target.kind === "all" ? "" : target.kind === "key" ? target.key : target.tag;
    try {
      return await this.#commands.llmgwCacheInvalidate(
        3,
        ...this.#indexKeys,
        Date.now(),
        this.#entryPrefix,
        target.kind,
        what,
      );
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
  }

  async stats(): Promise<CacheStoreStats> {
    try {
      const [entries, bytes] = await this.#commands.llmgwCacheStats(3, ...this.#indexKeys, Date.now());
      return { entries, bytes };
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
  }

  /** Nothing of its own to close: the connection belongs to whoever opened it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
