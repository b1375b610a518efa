import type { LimitAdjustment, LimitState, LimitStore, LimitTake, TakeOutcome } from "../limit-store.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { ADJUST_LUA, TAKE_LUA } from "./redis-limit-scripts.ts";

export interface RedisLimitStoreOptions {
  /** Put before every key, so gateways (or tests) can share one Redis. Default `llmgw:`. */
  readonly prefix?: string;
  /** How long a window's key outlives the window's end (ms), for late adjustments. Default 60,000. */
  readonly windowMarginMs?: number;
  /**
   * A concurrency counter nobody took from or gave back to for this long
   * expires (ms), so slots leaked by a replica that died mid-call come back.
   * Longer than the longest call. Default 15 minutes.
   */
  readonly concurrencyIdleMs?: number;
}

const STORE = "limit store (Redis)";

interface LimitCommands {
  llmgwLimitTake(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
  llmgwLimitAdjust(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
}

/**
 * Limit counters in Redis, which every replica shares: a take is one Lua
 * script over all its counters (see redis-limit-scripts.ts), so N replicas
 * together admit exactly the limit. Windows start at `floor(now / windowMs)
 * * windowMs` of the caller's clock (the port passes `now`), and the window's
 * start is part of the key, so a window rolling over is a fresh key and an
 * adjustment can only land in the window it names. Costs are whole units
 * (requests, tokens). A Redis error or a connection that is down rejects at
 * once with `unavailable` (retryable): limits fail closed, never per replica.
 */
export class RedisLimitStore implements LimitStore {
  readonly #connection: RedisConnection;
  readonly #commands: LimitCommands;
  readonly #prefix: string;
  readonly #marginMs: number;
  readonly #idleMs: number;

  constructor(connection: RedisConnection, options: RedisLimitStoreOptions = {}) {
    connection.client.defineCommand("llmgwLimitTake", { lua: TAKE_LUA });
    connection.client.defineCommand("llmgwLimitAdjust", { lua: ADJUST_LUA });
    this.#connection = connection;
    this.#commands = connection.client as unknown as LimitCommands;
    this.#prefix = options.prefix ?? "llmgw:";
    this.#marginMs = options.windowMarginMs ?? 60_000;
    this.#idleMs = options.concurrencyIdleMs ?? 15 * 60_000;
  }

  async take(takes: readonly LimitTake[], now: number): Promise<TakeOutcome> {
    const encoded = this.encodeTake(takes, now);
    let reply: number[];
    try {
      reply = await this.#commands.llmgwLimitTake(takes.length, ...encoded.keys, ...encoded.args);
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    return decodeTake(takes, encoded.starts, now, reply, 0);
  }

  async adjust(adjustments: readonly LimitAdjustment[]): Promise<void> {
    if (adjustments.length === 0) return;
    const encoded = this.encodeAdjust(adjustments);
    try {
      await this.#commands.llmgwLimitAdjust(adjustments.length, ...encoded.keys, ...encoded.args);
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
  }

  /** A take's keys and arguments as limit_take reads them, and the window each lands in. */
  encodeTake(takes: readonly LimitTake[], now: number): EncodedTake {
    const n = takes.length;
    const keys: string[] = new Array(n);
    const args: number[] = new Array(n * 3);
    const starts: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const take = takes[i] as LimitTake;
      wholeUnits(take.cost, "cost");
      const start = take.windowMs === 0 ? 0 : now - (now % take.windowMs);
      starts[i] = start;
      keys[i] = this.#key(take.key, take.windowMs, start);
      args[3 * i] = take.cost;
      args[3 * i + 1] = take.limit;
      args[3 * i + 2] = take.windowMs === 0 ? this.#idleMs : start + take.windowMs - now + this.#marginMs;
    }
    return { keys, args, starts };
  }

  /** Adjustments' keys and arguments as limit_adjust reads them. */
  encodeAdjust(adjustments: readonly LimitAdjustment[]): { keys: string[]; args: number[] } {
    const n = adjustments.length;
    const keys: string[] = new Array(n);
    const args: number[] = new Array(n * 2);
    for (let i = 0; i < n; i++) {
      const { key, windowMs, windowStart, delta } = adjustments[i] as LimitAdjustment;
      wholeUnits(delta, "delta");
      keys[i] = this.#key(key, windowMs, windowStart);
      args[2 * i] = delta;
      args[2 * i + 1] = windowMs === 0 ? this.#idleMs : 0;
    }
    return { keys, args };
  }

  /** Nothing of its own to close: the connection belongs to whoever opened it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #key(key: string, windowMs: number, windowStart: number): string {
    return windowMs === 0
      ? `${this.#prefix}limit:inflight:${key}`
      : `${this.#prefix}limit:${windowMs}:${windowStart}:${key}`;
  }
}

/** A take as limit_take reads it. */
export interface EncodedTake {
  readonly keys: string[];
  readonly args: number[];
  /** The window's start each take lands in. */
  readonly starts: number[];
}

/** limit_take's reply, from `offset` (refusedBy, then one count per take), as a TakeOutcome. */
export function decodeTake(
  takes: readonly LimitTake[],
  starts: readonly number[],
  now: number,
  reply: readonly number[],
  offset: number,
): TakeOutcome {
  const n = takes.length;
  const refusedBy = reply[offset] as number;
  const states: LimitState[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const take = takes[i] as LimitTake;
    const start = starts[i] as number;
    states[i] = {
      key: take.key,
      limit: take.limit,
      remaining: Math.max(0, take.limit - (reply[offset + i + 1] as number)),
      resetMs: take.windowMs === 0 ? 0 : start + take.windowMs - now,
      windowStart: start,
    };
  }
  const refused = refusedBy === -1 ? undefined : (states[refusedBy] as LimitState);
  return {
    admitted: refused === undefined,
    states,
    refusedBy,
    retryAfterMs: refused === undefined ? 0 : Math.max(refused.resetMs, 1),
  };
}

/** INCRBY counts integers; a fractional cost is a caller's bug, not something to round silently. */
function wholeUnits(value: number, what: string): void {
  if (!Number.isSafeInteger(value))
    throw new RangeError(`a limit ${what} must be a whole number, got ${value}`);
}
