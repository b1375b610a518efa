import { afterAll, beforeAll } from "vitest";
import { RedisServer } from "../../../test/harness/redis-server.ts";
import { cacheStoreContract } from "../cache-store-contract.ts";
import { RedisCacheStore } from "./redis-cache-store.ts";
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
cacheStoreContract("Redis", async (replicas, maxEntries, maxBytes) => {
  const prefix = `t${++opened}:`;
  return Promise.all(
    Array.from({ length: replicas }, async () => {
      const connection = new RedisConnection({ url: redis.url });
      connections.push(connection);
      await connection.ready();
      return new RedisCacheStore(connection, { prefix, maxEntries, maxBytes });
    }),
  );
});
