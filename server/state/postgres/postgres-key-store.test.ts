import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PostgresServer } from "../../../test/harness/postgres-server.ts";
import { keyStoreContract, storedKey } from "../key-store-contract.ts";
import { openPgPool } from "./pg-pool.ts";
import { PostgresKeyStore } from "./postgres-key-store.ts";

/** The contract opens its stores synchronously: each gets one of these empty databases. */
const DATABASES = 16;

let server: PostgresServer;
const databases: string[] = [];
beforeAll(async () => {
  server = await PostgresServer.start();
  for (let i = 0; i < DATABASES; i++) databases.push(await server.database());
});
afterAll(async () => {
  await server?.stop();
});

function emptyDatabase(): string {
  const url = databases.shift();
  if (url === undefined) throw new Error(`raise DATABASES: the tests open more than ${DATABASES} stores`);
  return url;
}

keyStoreContract("PostgreSQL", () => new PostgresKeyStore(emptyDatabase()));

describe("the PostgreSQL key store", () => {
  const closing: PostgresKeyStore[] = [];
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((c) => c.close()));
  });

  it("shares its keys between replicas, and keeps them across a server restart", async () => {
    const url = emptyDatabase();
    const first = new PostgresKeyStore(url);
    const second = new PostgresKeyStore(url);
    closing.push(first, second);
    await first.create(storedKey());
    await expect(second.create(storedKey({ digest: "b".repeat(64) }))).rejects.toMatchObject({
      code: "invalid_request",
      param: "name",
    });
    await second.revoke("app", 7);
    await server.kill();
    await server.restart();
    expect(await first.list()).toEqual([{ ...storedKey(), revokedAt: 7, updatedAt: 7 }]);
  });

  it("fails a call while PostgreSQL is down, and serves again once it is back", async () => {
    const errors: unknown[] = [];
    const store = new PostgresKeyStore(emptyDatabase(), (error) => errors.push(error));
    closing.push(store);
    await store.create(storedKey());
    await server.kill();
    try {
      await expect(store.get(storedKey().digest)).rejects.toThrow();
    } finally {
      await server.restart();
    }
    expect((await store.get(storedKey().digest))?.name).toBe("app");
  });

  it("gives up on a hung server after its timeout, and serves again once it answers", async () => {
    const store = new PostgresKeyStore(emptyDatabase(), () => {}, 300);
    closing.push(store);
    await store.create(storedKey());
    server.freeze();
    const started = Date.now();
    try {
      await expect(store.update("app", { owner: "bo" }, 1)).rejects.toThrow();
    } finally {
      server.thaw();
    }
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await store.get(storedKey().digest))?.owner).toBe(storedKey().owner);
  });

  it("brings a table from before limits and budgets up to date: its keys have no rules of their own", async () => {
    const url = emptyDatabase();
    const pool = openPgPool({ url, name: "old-keys", max: 1, timeoutMs: 5_000, onError: () => {} });
    try {
      await pool.query(`CREATE TABLE api_keys (name TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL, owner TEXT NOT NULL, team TEXT NOT NULL, metadata JSONB NOT NULL,
        admin BOOLEAN NOT NULL, priority INTEGER NOT NULL, enabled BOOLEAN NOT NULL, expires_at BIGINT,
        models TEXT[], providers TEXT[], created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
        revoked_at BIGINT)`);
      await pool.query(`INSERT INTO api_keys VALUES ('old', '${"0".repeat(64)}', 'sk-llmgw-Old', '', '',
        '{}', false, 0, true, NULL, NULL, NULL, 1, 1, NULL)`);
    } finally {
      await pool.end();
    }
    const store = new PostgresKeyStore(url);
    closing.push(store);
    const [key] = await store.list();
    expect(key).toMatchObject({ name: "old", limits: undefined, budgets: undefined });
    const budgets = [{ usd: 2, period: "month" as const }];
    expect(await store.update("old", { budgets }, 2)).toMatchObject({ budgets });
    expect((await store.get("0".repeat(64)))?.budgets).toEqual(budgets);
  });
});
