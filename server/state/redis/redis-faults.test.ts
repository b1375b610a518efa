import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisServer } from "../../../test/harness/redis-server.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { LimitTake } from "../limit-store.ts";
import { RedisBudgetStore } from "./redis-budget-store.ts";
import { RedisConnection } from "./redis-connection.ts";
import { RedisLimitStore } from "./redis-limit-store.ts";

const NOW = Date.UTC(2026, 0, 1, 10, 0, 15);
const RPM: LimitTake = { key: "k", cost: 1, limit: 1_000, windowMs: 60_000 };
const DAY = "day:2026-01-01";

let redis: RedisServer;
const connections: RedisConnection[] = [];

function connect(): RedisConnection {
  const connection = new RedisConnection({ url: redis.url, commandTimeoutMs: 300 });
  connections.push(connection);
  return connection;
}

/** Resolves with how long `op` took to reject; fails the test if it resolved. */
async function rejectsWithin(op: () => Promise<unknown>): Promise<{ error: GatewayError; ms: number }> {
  const started = performance.now();
  const error = await op().then(
    () => {
      throw new Error("expected the operation to reject");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return { error: error as GatewayError, ms: performance.now() - started };
}

/** Retries `op` every 50 ms until it resolves, or fails after `ms`. */
async function eventually<T>(op: () => Promise<T>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await op();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

beforeAll(async () => {
  redis = await RedisServer.start();
});
// Every test starts with a running, empty Redis, whatever the last one left.
afterEach(async () => {
  redis.thaw();
  await redis.kill();
  await redis.restart();
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.stop();
});

describe("Redis stores when Redis fails", () => {
  it("reject at once with a retryable unavailable when Redis dies, and work again when it is back", async () => {
    const connection = connect();
    await connection.ready();
    const limits = new RedisLimitStore(connection, { prefix: "a:" });
    const budgets = new RedisBudgetStore(connection, { prefix: "a:" });
    expect((await limits.take([RPM], NOW)).admitted).toBe(true);
    expect(connection.connected).toBe(true);

    await redis.kill();
    const take = await rejectsWithin(() => limits.take([RPM], NOW));
    expect(take.ms).toBeLessThan(1_000);
    expect(take.error).toMatchObject({ code: "unavailable", retryable: true });
    expect(take.error.message).toMatch(/^limit store \(Redis\) is unreachable: not connected \(/);
    const reserve = await rejectsWithin(() =>
      budgets.reserve([{ scope: "g", period: DAY, amount: 1, cap: 2 }]),
    );
    expect(reserve.ms).toBeLessThan(1_000);
    expect(reserve.error).toMatchObject({ code: "unavailable", retryable: true });
    expect(reserve.error.message).toMatch(/^budget store \(Redis\) is unreachable: /);
    await expect(
      limits.adjust([{ key: "k", windowMs: 60_000, windowStart: NOW - 15_000, delta: -1 }]),
    ).rejects.toMatchObject({ code: "unavailable" });
    await expect(budgets.get({ scope: "g", period: DAY }, 2)).rejects.toMatchObject({ code: "unavailable" });
    expect(connection.connected).toBe(false);

    // Same stores, same connection: ioredis reconnects, and the scripts (which a fresh Redis has
    // forgotten) are loaded again.
    await redis.restart();
    const after = await eventually(() => limits.take([RPM], NOW));
    expect(after.admitted).toBe(true);
    expect(after.states[0]?.remaining).toBe(999);
    expect((await budgets.reserve([{ scope: "g", period: DAY, amount: 1, cap: 2 }])).admitted).toBe(true);
    expect(connection.connected).toBe(true);
  });

  it("rejects within the command timeout when Redis hangs, and recovers when it resumes", async () => {
    const connection = connect();
    await connection.ready();
    const limits = new RedisLimitStore(connection, { prefix: "b:" });
    redis.freeze();
    const take = await rejectsWithin(() => limits.take([RPM], NOW));
    expect(take.error).toMatchObject({ code: "unavailable", retryable: true });
    expect(take.ms).toBeGreaterThanOrEqual(250);
    expect(take.ms).toBeLessThan(1_500);
    redis.thaw();
    expect((await eventually(() => limits.take([RPM], NOW))).admitted).toBe(true);
  });

  it("rejects while Redis has not come up yet, and works once it does", async () => {
    await redis.kill();
    const connection = connect();
    const limits = new RedisLimitStore(connection, { prefix: "c:" });
    const early = await rejectsWithin(() => limits.take([RPM], NOW));
    expect(early.ms).toBeLessThan(1_000);
    expect(early.error.code).toBe("unavailable");
    await expect(connection.ready(200)).rejects.toMatchObject({ code: "unavailable" });
    await redis.restart();
    await connection.ready();
    expect((await limits.take([RPM], NOW)).admitted).toBe(true);
  });
});

describe("Redis keys", () => {
  it("expire a window's counter after the window's end plus the margin", async () => {
    const connection = connect();
    await connection.ready();
    const limits = new RedisLimitStore(connection, { prefix: "d:", windowMarginMs: 10_000 });
    await limits.take([RPM, { key: "c", cost: 1, limit: 5, windowMs: 0 }], NOW);
    const windowTtl = await connection.client.pttl(`d:limit:60000:${NOW - 15_000}:k`);
    expect(windowTtl).toBeGreaterThan(54_000);
    expect(windowTtl).toBeLessThanOrEqual(55_000);
    const inFlightTtl = await connection.client.pttl("d:limit:inflight:c");
    expect(inFlightTtl).toBeGreaterThan(15 * 60_000 - 1_000);
  });

  it("keep a budget's counter for the retention after its last write, in integer micro-units", async () => {
    const connection = connect();
    await connection.ready();
    const budgets = new RedisBudgetStore(connection, { prefix: "e:", retainMs: 3_600_000 });
    await budgets.reserve([{ scope: "key:a", period: DAY, amount: 0.15, cap: 1 }]);
    expect(await connection.client.hgetall(`e:budget:${DAY}:key:a`)).toEqual({
      reserved: "150000",
      since: expect.stringMatching(/^\d{13}$/),
    });
    expect(await connection.client.pttl(`e:budget:${DAY}:key:a`)).toBeGreaterThan(3_599_000);
  });

  it("refuses a fractional limit cost rather than rounding it", async () => {
    const connection = connect();
    await connection.ready();
    const limits = new RedisLimitStore(connection, { prefix: "f:" });
    await expect(limits.take([{ ...RPM, cost: 1.5 }], NOW)).rejects.toThrow(RangeError);
  });
});
