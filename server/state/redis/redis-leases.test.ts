import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisServer } from "../../../test/harness/redis-server.ts";
import type { BudgetReservation, BudgetSettlement } from "../budget-store.ts";
import type { LimitTake } from "../limit-store.ts";
import { RedisBudgetStore } from "./redis-budget-store.ts";
import { RedisConnection } from "./redis-connection.ts";
import { RedisLeases } from "./redis-leases.ts";
import { RedisLimitStore } from "./redis-limit-store.ts";
import { RedisQuotaStore } from "./redis-quota-store.ts";

/**
 * Leases on a replica's Redis holds: what a replica took (concurrency
 * slots) and reserved (budgets) and never gave back, because it died, comes
 * back through another replica once its lease lapses; and nothing is given
 * back twice.
 */

const LEASE_MS = 200;
const DAY = "day:2026-01-01";
const slot = (limit: number): LimitTake => ({ key: "k", cost: 1, limit, windowMs: 0 });
const minute: LimitTake = { key: "k", cost: 1, limit: 1_000, windowMs: 60_000 };
const reserve: BudgetReservation = { scope: "key:a", period: DAY, amount: 1, cap: 10 };
const release: BudgetSettlement = { scope: "key:a", period: DAY, reserved: 1, actual: 0, cap: 10 };
const giveBack = { key: "k", windowMs: 0, windowStart: 0, delta: -1 };

let redis: RedisServer;
let connection: RedisConnection;
let opened = 0;

beforeAll(async () => {
  redis = await RedisServer.start();
  connection = new RedisConnection({ url: redis.url });
  await connection.ready();
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

interface Replica {
  readonly leases: RedisLeases;
  readonly quota: RedisQuotaStore;
  readonly budgets: RedisBudgetStore;
}

/** `n` replicas on one fresh prefix (one connection stands for all: what matters is their ids). */
function replicas(n: number): Replica[] {
  const prefix = `lease${++opened}:`;
  return Array.from({ length: n }, (_, i) => {
    const leases = new RedisLeases(connection, { prefix, leaseMs: LEASE_MS, id: `r${i}` });
    const budgets = new RedisBudgetStore(connection, { prefix });
    const quota = new RedisQuotaStore(
      connection,
      new RedisLimitStore(connection, { prefix }),
      budgets,
      leases,
    );
    return { leases, quota, budgets };
  });
}

const reserved = async (r: Replica) => (await r.budgets.get({ scope: "key:a", period: DAY }, 10)).reserved;

describe("leases on a replica's Redis holds", () => {
  it("records what an admission holds and takes it off at settlement, leaving no hash behind", async () => {
    const [a] = replicas(1) as [Replica];
    await a.quota.admit([slot(2), minute], Date.now(), [reserve]);
    expect(await connection.client.hgetall(a.leases.holdsKey)).toEqual({
      [`l${a.leases.holdsKey.replace("holds:r0", "limit:inflight:k")}`]: "1",
      [`b${a.leases.holdsKey.replace("holds:r0", `budget:${DAY}:key:a`)}`]: "1000000",
    });
    await a.quota.settle([giveBack], [release]);
    expect(await connection.client.exists(a.leases.holdsKey)).toBe(0);
  });

  it("gives a dead replica's slots and reservations back once its lease lapses", async () => {
    const [dead, live] = replicas(2) as [Replica, Replica];
    await dead.leases.renew();
    await live.leases.renew();
    expect((await dead.quota.admit([slot(1)], Date.now(), [reserve])).taken.admitted).toBe(true);
    expect((await live.quota.admit([slot(1)], Date.now(), [])).taken.admitted).toBe(false);
    expect(await reserved(live)).toBe(1);
    // The dead replica renews no more; the live one keeps renewing, and finds its lease lapsed.
    await sleep(LEASE_MS / 2);
    expect(await live.leases.renew()).toEqual({ reclaimed: 0, given: 0 });
    await sleep(LEASE_MS / 2 + 50);
    expect(await live.leases.renew()).toEqual({ reclaimed: 1, given: 2 });
    expect(await connection.client.exists(dead.leases.holdsKey)).toBe(0);
    expect(await reserved(live)).toBe(0);
    expect((await live.quota.admit([slot(1)], Date.now(), [])).taken.admitted).toBe(true);
  });

  it("gives nothing back twice: a late settlement of a reclaimed hold releases nothing", async () => {
    const [paused, live] = replicas(2) as [Replica, Replica];
    await paused.leases.renew();
    await live.leases.renew();
    await paused.quota.admit([slot(2)], Date.now(), [reserve]);
    await sleep(LEASE_MS + 50);
    await live.leases.renew();
    expect((await live.leases.renew()).reclaimed).toBe(1);
    // The live replica now fills both slots; the paused one wakes up and settles its old call.
    await live.quota.admit([slot(2)], Date.now(), [reserve]);
    await live.quota.admit([slot(2)], Date.now(), []);
    await paused.quota.settle([giveBack], [release]);
    expect((await live.quota.admit([slot(2)], Date.now(), [])).taken.admitted).toBe(false);
    expect(await reserved(live)).toBe(1);
  });

  it("does not judge the others after an outage it shared: its own lease had lapsed too", async () => {
    const [a, b] = replicas(2) as [Replica, Replica];
    await a.leases.renew();
    await b.leases.renew();
    await b.quota.admit([slot(1)], Date.now(), [reserve]);
    await sleep(LEASE_MS + 50); // neither renewed: Redis was out of reach for both
    expect(await a.leases.renew()).toEqual({ reclaimed: 0, given: 0 });
    await b.leases.renew();
    expect(await a.leases.renew()).toEqual({ reclaimed: 0, given: 0 });
    expect(await reserved(a)).toBe(1);
    expect((await a.quota.admit([slot(1)], Date.now(), [])).taken.admitted).toBe(false);
  });

  it("renews on a timer from start() until close()", async () => {
    const [a, b] = replicas(2) as [Replica, Replica];
    a.leases.start();
    await b.leases.renew();
    await b.quota.admit([slot(1)], Date.now(), []);
    await sleep(LEASE_MS * 2);
    // b lapsed while a kept renewing: a's timer gave b's slot back.
    expect((await a.quota.admit([slot(1)], Date.now(), [])).taken.admitted).toBe(true);
    await a.leases.close();
    expect(await connection.client.pttl(`${a.leases.holdsKey.replace("holds:", "lease:")}`)).toBeGreaterThan(
      0,
    );
  });
});

describe("an admission Redis runs after its deadline", () => {
  it("takes nothing: queued while Redis hung, run once it resumes, its caller already refused", async () => {
    const quick = new RedisConnection({ url: redis.url, commandTimeoutMs: 300 });
    try {
      await quick.ready();
      const prefix = `late${++opened}:`;
      const leases = new RedisLeases(quick, { prefix, id: "r0" });
      const budgets = new RedisBudgetStore(quick, { prefix });
      const quota = new RedisQuotaStore(quick, new RedisLimitStore(quick, { prefix }), budgets, leases);
      await quota.admit([slot(5)], Date.now(), [reserve]); // loads the script
      await quota.settle([giveBack], [release]);
      redis.freeze();
      const started = performance.now();
      try {
        await expect(quota.admit([slot(5)], Date.now(), [reserve])).rejects.toMatchObject({
          code: "unavailable",
        });
        // Refused within the command timeout, not one timeout per batch queued ahead.
        expect(performance.now() - started).toBeLessThan(1_000);
        await sleep(300);
      } finally {
        redis.thaw();
      }
      // Redis has run the queued admission by now; it was past its deadline, so it took and held nothing.
      await sleep(100);
      expect(await connection.client.get(`${prefix}limit:inflight:k`)).toBe("0");
      expect((await budgets.get({ scope: "key:a", period: DAY }, 10)).reserved).toBe(0);
      expect(await connection.client.exists(leases.holdsKey)).toBe(0);
    } finally {
      await quick.close();
    }
  });
});
