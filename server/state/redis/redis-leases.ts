import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { RedisConnection } from "./redis-connection.ts";
import { RENEW_LUA } from "./redis-lease-scripts.ts";

export interface RedisLeasesOptions {
  /** Put before every key, as the quota stores' prefix. Default `llmgw:`. */
  readonly prefix?: string;
  /** How long a lease lasts without renewal (ms); renewed five times as often. Default 5,000. */
  readonly leaseMs?: number;
  /** Told once when renewing starts failing, and once when it works again (for the log). */
  readonly onTrouble?: (error: Error | undefined) => void;
  /** Told how many lapsed replicas' holds a renewal gave back, when it gave any. */
  readonly onReclaimed?: (replicas: number) => void;
  /** This replica's id. Default: host, pid and a random part. */
  readonly id?: string;
}

interface LeaseCommands {
  llmgwLeaseRenew(
    replicas: string,
    lease: string,
    id: string,
    leaseMs: number,
    prefix: string,
  ): Promise<[number, number]>;
}

/** What one renewal did: how many lapsed replicas it reclaimed, and how many holds it gave back. */
export interface Renewal {
  readonly reclaimed: number;
  readonly given: number;
}

/**
 * A lease on this replica's Redis holds. The quota store records what each
 * admission holds (concurrency slots, budget reservations) in this
 * replica's holds hash, and takes it off at settlement (see
 * redis-lease-scripts.ts). Every `leaseMs / 5` this replica renews its
 * lease key (`PX leaseMs`) and, in the same script, gives back the holds of
 * every replica whose lease has lapsed: a replica killed mid-call (kill -9,
 * a lost machine) leaves its slots and reservations for at most about
 * `leaseMs` plus one renewal, not until the counter idles out or the budget
 * period ends.
 *
 * A replica that was itself out of touch (its own lease had lapsed) renews
 * without judging the others that round, so an outage every replica shared
 * does not make them give back each other's live holds. The timer is
 * unref'd and cleared by `close()`; the lease is left to lapse, so what a
 * replica still held at exit comes back through the others.
 */
export class RedisLeases {
  readonly id: string;
  readonly holdsKey: string;
  readonly #connection: RedisConnection;
  readonly #commands: LeaseCommands;
  readonly #prefix: string;
  readonly #leaseKey: string;
  readonly #replicasKey: string;
  readonly #leaseMs: number;
  readonly #options: RedisLeasesOptions;
  #timer: NodeJS.Timeout | undefined;
  #renewing: Promise<unknown> = Promise.resolve();
  #troubled = false;
  #busy = false;

  constructor(connection: RedisConnection, options: RedisLeasesOptions = {}) {
    connection.client.defineCommand("llmgwLeaseRenew", { lua: RENEW_LUA, numberOfKeys: 2 });
    this.#connection = connection;
    this.#commands = connection.client as unknown as LeaseCommands;
    this.#options = options;
    this.#prefix = options.prefix ?? "llmgw:";
    this.#leaseMs = options.leaseMs ?? 5_000;
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
    this.holdsKey = `${this.#prefix}holds:${this.id}`;
    this.#leaseKey = `${this.#prefix}lease:${this.id}`;
    this.#replicasKey = `${this.#prefix}leases`;
  }

  /** Renews now and then every `leaseMs / 5`, until `close()`. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), Math.max(50, Math.floor(this.#leaseMs / 5)));
    this.#timer.unref();
  }

  /** One renewal (and reclaim of lapsed replicas' holds). Rejects when Redis does. */
  async renew(): Promise<Renewal> {
    const [reclaimed, given] = await this.#commands.llmgwLeaseRenew(
      this.#replicasKey,
      this.#leaseKey,
      this.id,
      this.#leaseMs,
      this.#prefix,
    );
    if (reclaimed > 0) this.#options.onReclaimed?.(reclaimed);
    return { reclaimed, given };
  }

  /** Stops renewing; the lease lapses on its own. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#renewing;
  }

  #tick(): void {
    // A renewal still waiting for Redis is not doubled up.
    if (this.#busy) return;
    if (!this.#connection.connected) {
      this.#trouble(this.#connection.lastError ?? new Error("not connected"));
      return;
    }
    this.#busy = true;
    this.#renewing = this.renew().then(
      () => this.#settled(undefined),
      (error: Error) => this.#settled(error),
    );
  }

  #settled(error: Error | undefined): void {
    this.#busy = false;
    this.#trouble(error);
  }

  #trouble(error: Error | undefined): void {
    if ((error !== undefined) === this.#troubled) return;
    this.#troubled = error !== undefined;
    this.#options.onTrouble?.(error);
  }
}
