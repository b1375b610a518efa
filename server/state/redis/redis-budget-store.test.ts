import { afterAll, beforeAll } from "vitest";
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
