import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisServer } from "../../../test/harness/redis-server.ts";
import type { LimitTake } from "../limit-store.ts";
import { RedisConnection } from "./redis-connection.ts";
import { RedisLimitStore } from "./redis-limit-store.ts";

/**
 * A concurrency slot whose give-back never reached Redis (Redis was
 * unreachable when the call ended) is not counted forever: the in-flight
 * counter expires `concurrencyIdleMs` after its last take or give-back.
 */

let redis: RedisServer;
let connection: RedisConnection;

beforeAll(async () => {
  redis = await RedisServer.start();
  connection = new RedisConnection({ url: redis.url });
  await connection.ready();
});
afterAll(async () => {
  await connection?.close();
  await redis?.stop();
});

const slot: LimitTake = { key: "k", cost: 1, limit: 1, windowMs: 0 };

describe("the Redis in-flight counter", () => {
  it("frees a slot whose give-back was lost once the key has been idle for concurrencyIdleMs", async () => {
    const store = new RedisLimitStore(connection, { prefix: "expiry:", concurrencyIdleMs: 300 });
    expect((await store.take([slot], Date.now())).admitted).toBe(true);
    // The call ends while Redis is unreachable: no give-back arrives, and the one slot stays taken.
    expect((await store.take([slot], Date.now())).admitted).toBe(false);
    await sleep(400);
    expect((await store.take([slot], Date.now())).admitted).toBe(true);
  });

  it("keeps the lost slot while takes keep refreshing the counter", async () => {
    const store = new RedisLimitStore(connection, { prefix: "busy:", concurrencyIdleMs: 300 });
    const two = { ...slot, limit: 2 };
    expect((await store.take([two], Date.now())).admitted).toBe(true); // its give-back is lost
    for (let i = 0; i < 4; i++) {
      const taken = await store.take([two], Date.now());
      expect(taken.admitted).toBe(true);
      await store.adjust([{ key: "k", windowMs: 0, windowStart: 0, delta: -1 }]);
      await sleep(150);
    }
    // 600 ms later the lost slot is still counted: every take and give-back refreshed the expiry.
    expect((await store.take([two], Date.now())).states[0]?.remaining).toBe(0);
  });
});
