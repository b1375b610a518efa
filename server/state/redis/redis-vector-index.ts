import type { Redis } from "ioredis";
import { MemoryVectorIndex, type MemoryVectorIndexOptions } from "../memory/memory-vector-index.ts";
import type { UnitVector } from "../unit-vector.ts";
import type { VectorEntry, VectorFilter, VectorIndex, VectorMatch } from "../vector-index.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { entryFields, entryOf, fieldsOf, filterOf } from "./redis-vector-codec.ts";
import { REMOVE_LUA } from "./redis-vector-scripts.ts";

export interface RedisVectorIndexOptions {
  /** Put before every key, so gateways (or tests) can share one Redis. Default `llmgw:semantic:`. */
  readonly prefix?: string;
  /** The local index's options (its brute-force size and entry cap). */
  readonly local?: MemoryVectorIndexOptions;
  /** The change stream keeps about this many changes. Default 10,000. */
  readonly streamLength?: number;
  /** How long one read of the change stream waits for a change (ms). Default 2,000. */
  readonly blockMs?: number;
  /** Told when the index loses Redis (true) and when it has caught up again (false), for the degraded gauge. */
  readonly onDegraded?: (degraded: boolean) => void;
}

const STORE = "semantic index (Redis)";
/** How long the follower waits before reading again after a failed read. */
const RETRY_MS = 200;
/** Entries read per round trip when loading. */
const LOAD_BATCH = 500;

interface VectorCommands {
  llmgwVectorRemove(numKeys: number, ...keysAndArgs: string[]): Promise<number>;
}

/**
 * The distributed semantic index. Entries and vectors live in Redis (a hash
 * per entry that expires with it, and a sorted set of the keys), and every
 * change goes onto one Redis stream in the same transaction. Each replica
 * keeps all of them in a local MemoryVectorIndex: it loads what exists when
 * it opens, then follows the stream with XREAD BLOCK on a connection of its
 * own, so an entry added or removed on one replica reaches the others within
 * milliseconds. A replica applies its own changes at once as well as when
 * they come back on the stream; applying them in stream order, every replica
 * ends with what Redis holds.
 *
 * Lookups never touch Redis: they answer from the local index, so they go
 * on while Redis is down (the cache fails open; the answers' store is what
 * then misses). Adds and removals reject with `unavailable` while it is down
 * (a removal still applies locally first). When the stream cannot be read,
 * the index reports itself degraded, and once Redis answers again it reloads
 * everything (a restarted Redis may have lost it all, and changes were
 * missed meanwhile) and carries on following.
 */
export class RedisVectorIndex implements VectorIndex {
  readonly #connection: RedisConnection;
  readonly #commands: VectorCommands;
  readonly #reader: Redis;
  readonly #local: MemoryVectorIndex;
  readonly #prefix: string;
  readonly #streamLength: number;
  readonly #blockMs: number;
  readonly #onDegraded: ((degraded: boolean) => void) | undefined;
  #lastId = "0-0";
  #closed = false;
  #following: Promise<void> | undefined;

  private constructor(connection: RedisConnection, options: RedisVectorIndexOptions) {
    connection.client.defineCommand("llmgwVectorRemove", { lua: REMOVE_LUA });
    this.#connection = connection;
    this.#commands = connection.client as unknown as VectorCommands;
    this.#local = new MemoryVectorIndex(options.local);
    this.#prefix = options.prefix ?? "llmgw:semantic:";
    this.#streamLength = options.streamLength ?? 10_000;
    this.#blockMs = options.blockMs ?? 2_000;
    this.#onDegraded = options.onDegraded;
    // A blocked XREAD holds its connection: the follower gets one of its own, and waits longer than it blocks.
    this.#reader = connection.client.duplicate({
      enableOfflineQueue: true,
      commandTimeout: this.#blockMs + 1_000,
    });
    this.#reader.on("error", () => {
      // The shared connection reports Redis being down; reconnecting is ioredis's.
    });
  }

  /**
   * Opens the index: loads every live entry, then follows the change stream.
   * With Redis down it opens empty and degraded, and loads once Redis answers.
   */
  static async open(
    connection: RedisConnection,
    options: RedisVectorIndexOptions = {},
  ): Promise<RedisVectorIndex> {
    const index = new RedisVectorIndex(connection, options);
    let loaded = true;
    try {
      await index.#load();
    } catch {
      loaded = false;
      index.#onDegraded?.(true);
    }
    index.#following = index.#follow(!loaded);
    return index;
  }

  get size(): number {
    return this.#local.size;
  }

  get bytes(): number {
    return this.#local.bytes;
  }

  nearest(partition: string, vector: UnitVector, threshold: number): Promise<VectorMatch | undefined> {
    return this.#local.nearest(partition, vector, threshold);
  }

  async add(entry: VectorEntry): Promise<void> {
    const now = Date.now();
    if (entry.expiresAt <= now) return;
    const client = this.#connection.client;
    try {
      const replies = await client
        .multi()
        .hset(this.#entryKey(entry.key), ...entryFields(entry))
        .pexpireat(this.#entryKey(entry.key), entry.expiresAt)
        .zadd(this.#keysKey, entry.expiresAt, entry.key)
        .zremrangebyscore(this.#keysKey, "-inf", now)
        .xadd(
          this.#streamKey,
          "MAXLEN",
          "~",
          this.#streamLength,
          "*",
          "op",
          "add",
          "key",
          entry.key,
          ...entryFields(entry),
        )
        .exec();
      const failed = replies?.find(([error]) => error !== null)?.[0];
      if (replies === null || failed !== undefined) throw failed ?? new Error("transaction aborted");
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    this.#local.put(entry);
  }

  async remove(filter: VectorFilter): Promise<number> {
    this.#local.removeMatching(filter);
    const flag = (value: string | undefined) => (value === undefined ? ["0", ""] : ["1", value]);
    try {
      return await this.#commands.llmgwVectorRemove(
        2,
        this.#keysKey,
        this.#streamKey,
        `${this.#prefix}e:`,
        String(this.#streamLength),
        ...flag(filter.key),
        ...flag(filter.namespace),
        ...flag(filter.model),
      );
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#reader.disconnect();
    await this.#following;
    await this.#local.close();
  }

  get #keysKey(): string {
    return `${this.#prefix}keys`;
  }

  get #streamKey(): string {
    return `${this.#prefix}changes`;
  }

  #entryKey(key: string): string {
    return `${this.#prefix}e:${key}`;
  }

  /**
   * Replaces the local index with what Redis holds. The stream's position is
   * taken first, so a change made while loading is read again afterwards
   * (applying it twice is harmless) rather than missed.
   */
  async #load(): Promise<void> {
    const client = this.#connection.client;
    const last = await client.xrevrange(this.#streamKey, "+", "-", "COUNT", 1);
    const lastId = last[0]?.[0] ?? "0-0";
    const keys = await client.zrangebyscore(this.#keysKey, Date.now(), "+inf");
    const entries: VectorEntry[] = [];
    for (let i = 0; i < keys.length; i += LOAD_BATCH) {
      const batch = keys.slice(i, i + LOAD_BATCH);
      const pipeline = client.pipeline();
      for (const key of batch) pipeline.hgetallBuffer(this.#entryKey(key));
      const replies = (await pipeline.exec()) ?? [];
      for (const [j, [error, hash]] of replies.entries()) {
        if (error !== null || hash === null) continue;
        const entry = entryOf(batch[j] as string, new Map(Object.entries(hash as Record<string, Buffer>)));
        if (entry !== undefined) entries.push(entry);
      }
    }
    this.#local.clear();
    for (const entry of entries) this.#putRead(entry);
    this.#lastId = lastId;
  }

  /** Follows the change stream until closed; after a failed read, reloads before reading on. */
  async #follow(stale: boolean): Promise<void> {
    while (!this.#closed) {
      try {
        if (stale) {
          await this.#load();
          stale = false;
          this.#onDegraded?.(false);
        }
        const reply = (await this.#reader.xreadBuffer(
          "COUNT",
          1_000,
          "BLOCK",
          this.#blockMs,
          "STREAMS",
          this.#streamKey,
          this.#lastId,
        )) as [Buffer, [Buffer, Buffer[]][]][] | null;
        if (reply !== null) this.#apply(reply[0]?.[1] ?? []);
      } catch {
        if (this.#closed) return;
        if (!stale) this.#onDegraded?.(true);
        stale = true;
        await pause(RETRY_MS);
      }
    }
  }

  #apply(changes: readonly [Buffer, Buffer[]][]): void {
    for (const [id, flat] of changes) {
      this.#lastId = id.toString();
      const fields = fieldsOf(flat);
      const op = fields.get("op")?.toString();
      if (op === "remove") {
        this.#local.removeMatching(filterOf(fields));
      } else if (op === "add") {
        const key = fields.get("key")?.toString();
        const entry = key === undefined ? undefined : entryOf(key, fields);
        if (entry !== undefined) this.#putRead(entry);
      }
    }
  }

  /**
   * Puts an entry read from Redis into the local index, skipping one it
   * refuses (a vector of another space than its partition's, written by
   * another version): one such entry must not stop the load or the stream.
   */
  #putRead(entry: VectorEntry): void {
    try {
      this.#local.put(entry);
    } catch {
      // Refused: it is never found here, and goes from Redis when it expires.
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
