import type { BudgetReservation, BudgetSettlement, BudgetState } from "../budget-store.ts";
import type { LimitAdjustment, LimitTake } from "../limit-store.ts";
import { NOT_RESERVED, type QuotaOutcome, type QuotaStore } from "../quota-store.ts";
import { decodeReserve, decodeSettle, type RedisBudgetStore } from "./redis-budget-store.ts";
import type { RedisConnection } from "./redis-connection.ts";
import type { RedisLeases } from "./redis-leases.ts";
import { decodeTake, type RedisLimitStore } from "./redis-limit-store.ts";
import { ADMIT_LUA, SETTLE_ALL_LUA } from "./redis-quota-scripts.ts";

const STORE = "quota store (Redis)";

interface QuotaCommands {
  llmgwQuotaAdmit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
  llmgwQuotaSettle(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

/**
 * Rate limits and budgets on one Redis, a call's admission in one script
 * and its settlement in another (redis-quota-scripts.ts): one round trip
 * each, however many counters and budgets apply. The keys and arguments are
 * the limit and budget stores' own encodings, so the counters are the same
 * ones those stores (and BudgetService's reads) see.
 *
 * With `leases`, both scripts also keep this replica's holds (the
 * concurrency slots and budget reservations it has not given back) in its
 * holds hash, so that another replica can give them back once this one's
 * lease lapses (redis-leases.ts).
 *
 * An admission carries a deadline a little before its command timeout: a
 * Redis that hung and resumes runs the admissions queued meanwhile, and
 * one whose caller was already refused takes nothing (a slot taken then
 * would never be given back).
 */
export class RedisQuotaStore implements QuotaStore {
  readonly #connection: RedisConnection;
  readonly #commands: QuotaCommands;
  readonly #limits: RedisLimitStore;
  readonly #budgets: RedisBudgetStore;
  /** The holds hash's key, last of the scripts' keys (none without leases), and the flag that says so. */
  readonly #holds: readonly string[];
  readonly #holding: "0" | "1";

  constructor(
    connection: RedisConnection,
    limits: RedisLimitStore,
    budgets: RedisBudgetStore,
    leases?: RedisLeases,
  ) {
    connection.client.defineCommand("llmgwQuotaAdmit", { lua: ADMIT_LUA });
    connection.client.defineCommand("llmgwQuotaSettle", { lua: SETTLE_ALL_LUA });
    this.#connection = connection;
    this.#commands = connection.client as unknown as QuotaCommands;
    this.#limits = limits;
    this.#budgets = budgets;
    this.#holds = leases === undefined ? [] : [leases.holdsKey];
    this.#holding = leases === undefined ? "0" : "1";
  }

  async admit(
    takes: readonly LimitTake[],
    now: number,
    reservations: readonly BudgetReservation[],
  ): Promise<QuotaOutcome> {
    const take = this.#limits.encodeTake(takes, now);
    const hold = this.#budgets.encodeReserve(reservations, Date.now());
    let reply: number[];
    try {
      reply = await this.#connection.within(
        this.#commands.llmgwQuotaAdmit(
          take.keys.length + hold.keys.length + this.#holds.length,
          ...take.keys,
          ...hold.keys,
          ...this.#holds,
          takes.length,
          3,
          slotMask(takes),
          this.#holding,
          deadline(this.#connection),
          ...take.args,
          ...hold.args,
        ),
      );
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    if (reply[0] === PAST_DEADLINE)
      throw this.#connection.unreachable(
        STORE,
        new Error(
          "Redis ran the admission after its deadline (are Redis's and the gateway's clocks in step?)",
        ),
      );
    const taken = decodeTake(takes, take.starts, now, reply, 0);
    const offset = takes.length + 1;
    const reserved = reply[offset] === -2 ? NOT_RESERVED : decodeReserve(reservations, reply, offset);
    return { taken, reserved };
  }

  async settle(
    adjustments: readonly LimitAdjustment[],
    settlements: readonly BudgetSettlement[],
  ): Promise<BudgetState[]> {
    const adjust = this.#limits.encodeAdjust(adjustments);
    const settle = this.#budgets.encodeSettle(settlements, Date.now());
    let reply: number[];
    try {
      reply = await this.#commands.llmgwQuotaSettle(
        adjust.keys.length + settle.keys.length + this.#holds.length,
        ...adjust.keys,
        ...settle.keys,
        ...this.#holds,
        adjustments.length,
        2,
        slotMask(adjustments),
        this.#holding,
        0,
        ...adjust.args,
        ...settle.args,
      );
    } catch (error) {
      throw this.#connection.unreachable(STORE, error);
    }
    return decodeSettle(settlements, reply, 0);
  }
}

/** The admission script's reply when Redis ran it too late to matter. */
const PAST_DEADLINE = -3;

/**
 * When an admission sent now stops mattering (epoch ms): its command
 * timeout, less a margin for the reply's way back and the clocks' skew.
 */
function deadline(connection: RedisConnection): number {
  const timeout = connection.commandTimeoutMs;
  return Date.now() + timeout - Math.min(250, Math.floor(timeout / 4));
}

/** One character per counter, '1' for a concurrency slot (held until given back), '0' for a window. */
function slotMask(counters: readonly { readonly windowMs: number }[]): string {
  let mask = "";
  for (const c of counters) mask += c.windowMs === 0 ? "1" : "0";
  return mask;
}
