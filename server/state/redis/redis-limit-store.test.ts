import { afterAll, beforeAll } from "vitest";
import { RedisServer } from "../../../test/harness/redis-server.ts";
import { limitStoreContract } from "../limit-store-contract.ts";
import { RedisConnection } from "./redis-connection.ts";
import { RedisLimitStore } from "./redis-limit-store.ts";

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
limitStoreContract("Redis", async (replicas) => {
  const prefix = `t${++opened}:`;
  return Promise.all(
    Array.from({ length: replicas }, async () => {
      const connection = new RedisConnection({ url: redis.url });
      connections.push(connection);
      await connection.ready();
      return new RedisLimitStore(connection, { prefix });
    }),
  );
});
