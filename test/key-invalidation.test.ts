import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createKey,
  createLlmgwClient,
  createNodeTransport,
  type LlmgwClient,
  revokeKey,
} from "../sdk/index.ts";
import { HELLO, openaiClient } from "./harness/openai-client.ts";
import { PostgresServer } from "./harness/postgres-server.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Two running replicas sharing one PostgreSQL (the stored keys) and one Redis (change notices): a key
 * created on one is usable on the other, and once revoked on one it is refused on the other within a
 * second, with neither restarted.
 */

const ADMIN = "sk-invalidation-admin-01";

describe("key changes across running replicas", () => {
  let postgres: PostgresServer;
  let redis: RedisServer;
  let a: TestGateway;
  let b: TestGateway;

  const replica = (url: string) =>
    startTestGateway({
      config: {
        keys: [{ name: "ops", key: ADMIN, admin: true }],
        postgres: { url },
        redis: { url: redis.url },
        routing: { health: { probe_interval_ms: 0 } },
      },
    });
  const admin = (gw: TestGateway): LlmgwClient =>
    createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: ADMIN, protocol: "grpc" }));
  /** The status the replica answers a chat with under `key`: 200, or the error's status. */
  const statusOn = async (gw: TestGateway, key: string): Promise<number> => {
    try {
      await openaiClient(gw, key).chat.completions.create({ model: "mock-small", messages: HELLO });
      return 200;
    } catch (error) {
      if (error instanceof APIError) return error.status ?? 0;
      throw error;
    }
  };

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([PostgresServer.start(), RedisServer.start()]);
    const url = await postgres.database();
    a = await replica(url);
    b = await replica(url);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  it("serves a key created on one replica on the other, and refuses it there within 1 s of its revocation", async () => {
    const created = await createKey(admin(a), "roaming-app");
    await expect.poll(() => statusOn(b, created.secret), { timeout: 1_000, interval: 20 }).toBe(200);

    await revokeKey(admin(a), "roaming-app");
    const revokedAt = performance.now();
    await expect.poll(() => statusOn(b, created.secret), { timeout: 1_000, interval: 20 }).toBe(401);
    expect(performance.now() - revokedAt).toBeLessThan(1_000);
    expect(await statusOn(a, created.secret)).toBe(401);
  });
});
