import type {
  BudgetBackfill,
  BudgetCounter,
  BudgetReservation,
  BudgetSettlement,
  BudgetState,
  BudgetStore,
  ReserveOutcome,
} from "../budget-store.ts";
import { fromMicros, toMicros } from "../budget-units.ts";
import { BACKFILL_LUA, RESERVE_LUA, SETTLE_LUA } from "./redis-budget-scripts.ts";
import type { RedisConnection } from "./redis-connection.ts";

export interface RedisBudgetStoreOptions {
  /** Put before every key, so gateways (or tests) can share one Redis. Default `llmgw:`. */
  readonly prefix?: string;
  /**
   * How long a budget counter lives after its last write (ms). It must be
   * longer than the longest period (a month), or a quiet month's spend would
   * vanish before the month ends; refreshed on every write, so it always
   * outlives its period. Default 45 days.
   */
  readonly retainMs?: number;
}

const STORE = "budget store (Redis)";
const DAY_MS = 86_400_000;

interface BudgetCommands {
  llmgwBudgetReserve(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
  llmgwBudgetSettle(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
  llmgwBudgetBackfill(key: string, spentMicros: number, ttlMs: number): Promise<number>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
}

/**
 * Budget counters in Redis, which every replica shares: a reservation is one
 * Lua script over every level it touches (see redis-budget-scripts.ts), so
 * concurrent admissions on any number of replicas never together pass a cap.
 * Amounts are kept as integer micro-units rather than INCRBYFLOAT, so sums and
 * the cap comparison are exact and a settled reservation leaves exactly 0.
 * A Redis error or a connection that is down rejects at once with
 * `unavailable` (retryable): budgets fail closed, never per replica.
 */
export class RedisBudgetStore implements BudgetStore, BudgetBackfill {
  readonly #connection: RedisConnection;
  readonly #commands: BudgetCommands;
  readonly #prefix: string;
  readonly #retainMs: number;

  constructor(connection: RedisConnection, options: RedisBudgetStoreOptions = {}) {
    connection.client.defineCommand("llmgwBudgetReserve", { lua: RESERVE_LUA });
    connection.client.defineCommand("llmgwBudgetSettle", { lua: SETTLE_LUA });
    connection.client.defineCommand("llmgwBudgetBackfill", { lua: BACKFILL_LUA, numberOfKeys: 1 });
    this.#connection = connection;
    this.#commands = connection.client as unknown as BudgetCommands;
    this.#prefix = options.prefix ?? "llmgw:";
    this.#retainMs = options.retainMs ?? 45 * DAY_MS;
  }

  async reserve(reservations: readonly BudgetReservation[]): Promise<ReserveOutcome> {
    const encoded = this.encodeReserve(reservations, Date.now());
    let reply: number[];
    try {
      reply = await this.#commands.llmgwBudgetReserve(reservations.length, ...encoded.keys, ...encoded.args);
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    return decodeReserve(reservations, reply, 0);
  }

  async settle(settlements: readonly BudgetSettlement[]): Promise<BudgetState[]> {
    const encoded = this.encodeSettle(settlements, Date.now());
    let reply: number[];
    try {
      reply = await this.#commands.llmgwBudgetSettle(settlements.length, ...encoded.keys, ...encoded.args);
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    return decodeSettle(settlements, reply, 0);
  }

  /** Reservations' keys and arguments as budget_reserve reads them (the ttl and now first). */
  encodeReserve(reservations: readonly BudgetReservation[], now: number): Encoded {
    const n = reservations.length;
    const keys: string[] = new Array(n);
    const args: (string | number)[] = new Array(n * 2 + 2);
    args[0] = this.#retainMs;
    args[1] = now;
    for (let i = 0; i < n; i++) {
      const r = reservations[i] as BudgetReservation;
      keys[i] = this.#key(r);
      args[2 + 2 * i] = toMicros(r.amount);
      args[3 + 2 * i] = toMicros(r.cap);
    }
    return { keys, args };
  }

  /** Settlements' keys and arguments as budget_settle reads them (the ttl and now first). */
  encodeSettle(settlements: readonly BudgetSettlement[], now: number): Encoded {
    const n = settlements.length;
    const keys: string[] = new Array(n);
    const args: (string | number)[] = new Array(n * 2 + 2);
    args[0] = this.#retainMs;
    args[1] = now;
    for (let i = 0; i < n; i++) {
      const s = settlements[i] as BudgetSettlement;
      keys[i] = this.#key(s);
      args[2 + 2 * i] = String(-toMicros(s.reserved));
      args[3 + 2 * i] = toMicros(s.actual);
    }
    return { keys, args };
  }

  async since(counter: BudgetCounter): Promise<number | undefined> {
    let since: string | null;
    try {
      since = await this.#connection.client.hget(this.#key(counter), "since");
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    return since === null ? undefined : Number(since);
  }

  async backfill(counter: BudgetCounter, spent: number): Promise<boolean> {
    try {
      return (
        (await this.#commands.llmgwBudgetBackfill(this.#key(counter), toMicros(spent), this.#retainMs)) === 1
      );
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
  }

  async get(counter: BudgetCounter, cap: number): Promise<BudgetState> {
    let fields: (string | null)[];
    try {
      fields = await this.#commands.hmget(this.#key(counter), "spent", "reserved");
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    return state(counter, Number(fields[0] ?? 0), Number(fields[1] ?? 0), cap);
  }

  /** Nothing of its own to close: the connection belongs to whoever opened it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #key(counter: BudgetCounter): string {
    return `${this.#prefix}budget:${counter.period}:${counter.scope}`;
  }
}

/** Keys and arguments for one of the budget scripts. */
export interface Encoded {
  readonly keys: string[];
  readonly args: (string | number)[];
}

/**
 * budget_reserve's reply, from `offset` (refusedBy, then spent, reserved
 * and seeded per budget), as a ReserveOutcome.
 */
export function decodeReserve(
  reservations: readonly BudgetReservation[],
  reply: readonly number[],
  offset: number,
): ReserveOutcome {
  const n = reservations.length;
  const states: BudgetState[] = new Array(n);
  let unseeded: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const r = reservations[i] as BudgetReservation;
    const at = offset + 3 * i;
    states[i] = state(r, reply[at + 1] as number, reply[at + 2] as number, r.cap);
    if (reply[at + 3] === 0) {
      unseeded ??= [];
      unseeded.push(i);
    }
  }
  const refusedBy = reply[offset] as number;
  return unseeded === undefined
    ? { admitted: refusedBy === -1, refusedBy, states }
    : { admitted: refusedBy === -1, refusedBy, states, unseeded };
}

/** budget_settle's reply, from `offset` (spent and reserved per budget), as the budgets' states. */
export function decodeSettle(
  settlements: readonly BudgetSettlement[],
  reply: readonly number[],
  offset: number,
): BudgetState[] {
  const states: BudgetState[] = new Array(settlements.length);
  for (let i = 0; i < settlements.length; i++) {
    const s = settlements[i] as BudgetSettlement;
    states[i] = state(s, reply[offset + 2 * i] as number, reply[offset + 2 * i + 1] as number, s.cap);
  }
  return states;
}

function state(
  counter: BudgetCounter,
  spentMicros: number,
  reservedMicros: number,
  cap: number,
): BudgetState {
  return {
    scope: counter.scope,
    period: counter.period,
    spent: fromMicros(spentMicros),
    reserved: fromMicros(reservedMicros),
    cap,
  };
}
