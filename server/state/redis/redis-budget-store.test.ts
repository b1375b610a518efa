import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisServer } from "../../../test/harness/redis-server.ts";
import { budgetStoreContract } from "../budget-store-contract.ts";
import { RedisBudgetStore } from "./redis-budget-store.ts";
import { RedisConnection } from "./redis-connection.ts";

let redis: RedisServer;
const connections: RedisConnection[] = [];
let opened = 0;

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.stop();
});

// Each "replica" is its own connection; a fresh prefix gives each test empty state on the one server.
budgetStoreContract("Redis", async (replicas) => {
  const prefix = `t${++opened}:`;
  return Promise.all(
    Array.from({ length: replicas }, async () => {
      const connection = new RedisConnection({ url: redis.url });
      connections.push(connection);
      await connection.ready();
      return new RedisBudgetStore(connection, { prefix });
    }),
  );
});

describe("RedisBudgetStore backfill", () => {
  const DAY = "day:2026-12-01";
  const open = async () => {
    const connection = new RedisConnection({ url: redis.url });
    connections.push(connection);
    await connection.ready();
    return new RedisBudgetStore(connection, { prefix: `bf${++opened}:` });
  };

  it("reports a counter unseeded until its earlier spend is added, which happens once", async () => {
    const store = await open();
    const counter = { scope: "key:a", period: DAY };
    expect(await store.since(counter)).toBeUndefined();
    const before = Date.now();
    const first = await store.reserve([{ ...counter, amount: 0.1, cap: 10 }]);
    expect(first.unseeded).toEqual([0]);
    const since = (await store.since(counter)) as number;
    expect(since).toBeGreaterThanOrEqual(before);
    expect(await store.backfill(counter, 2.5)).toBe(true);
    expect(await store.backfill(counter, 2.5)).toBe(false); // another replica's, too late
    const after = await store.reserve([{ ...counter, amount: 0.1, cap: 10 }]);
    expect(after.unseeded).toBeUndefined();
    expect(after.states[0]).toMatchObject({ spent: 2.5, reserved: 0.2 });
    // The first write keeps its time.
    expect(await store.since(counter)).toBe(since);
  });

  it("stamps a counter a settlement creates (Redis lost it while the call ran), and leaves a missing one alone", async () => {
    const store = await open();
    const counter = { scope: "global", period: DAY };
    expect(await store.backfill(counter, 1)).toBe(false);
    await store.settle([{ ...counter, reserved: 0.2, actual: 0.15, cap: 10 }]);
    expect(await store.since(counter)).toBeGreaterThan(0);
    expect(await store.get(counter, 10)).toMatchObject({ spent: 0.15, reserved: 0 });
  });
});
