import { afterAll, beforeAll } from "vitest";
import { RedisServer } from "../../../test/harness/redis-server.ts";
import { type QuotaHandle, quotaStoreContract } from "../quota-store-contract.ts";
import { RedisBudgetStore } from "./redis-budget-store.ts";
import { RedisConnection } from "./redis-connection.ts";
import { RedisLeases } from "./redis-leases.ts";
import { RedisLimitStore } from "./redis-limit-store.ts";
import { RedisQuotaStore } from "./redis-quota-store.ts";

let redis: RedisServer;
let connections: RedisConnection[] = [];
let opened = 0;

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

// Each "replica" is its own connection; a fresh prefix gives each test empty state on the one server.
// The contract holds as well with leases on (each replica recording its holds), as the gateway runs it.
for (const withLeases of [false, true]) {
  quotaStoreContract(
    withLeases ? "Redis, with leases on its holds" : "Redis",
    async (replicas) => {
      const prefix = `q${++opened}:`;
      return Promise.all(
        Array.from({ length: replicas }, async (): Promise<QuotaHandle> => {
          const connection = new RedisConnection({ url: redis.url });
          connections.push(connection);
          await connection.ready();
          const budgets = new RedisBudgetStore(connection, { prefix });
          const leases = withLeases ? new RedisLeases(connection, { prefix }) : undefined;
          const limits = new RedisLimitStore(connection, { prefix });
          const store = new RedisQuotaStore(connection, limits, budgets, leases);
          return {
            store,
            budget: async (scope) => {
              const { spent, reserved } = await budgets.get({ scope, period: "day:2026-01-01" }, 0);
              return { spent, reserved };
            },
          };
        }),
      );
    },
    async () => {
      await Promise.all(connections.map((c) => c.close()));
      connections = [];
    },
  );
}
