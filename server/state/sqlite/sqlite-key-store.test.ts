import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { keyStoreContract, storedKey } from "../key-store-contract.ts";
import { SqliteKeyStore } from "./sqlite-key-store.ts";
import { SqliteLedger } from "./sqlite-ledger.ts";

const dir = mkdtempSync(join(tmpdir(), "llmgw-keys-"));
let files = 0;
const freshPath = () => join(dir, `keys-${files++}.db`);

keyStoreContract("SQLite, in a file", () => new SqliteKeyStore(freshPath()));
keyStoreContract("SQLite, in memory", () => new SqliteKeyStore(":memory:"));

describe("the SQLite key store", () => {
  const closing: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(closing.splice(0).map((c) => c.close()));
  });

  it("keeps its keys across a restart", async () => {
    const path = freshPath();
    const first = new SqliteKeyStore(path);
    await first.create(storedKey());
    await first.revoke("app", 7);
    await first.close();
    const second = new SqliteKeyStore(path);
    closing.push(second);
    expect(await second.list()).toEqual([{ ...storedKey(), revokedAt: 7, updatedAt: 7 }]);
  });

  it("shares the ledger's file with the ledger's worker", async () => {
    const path = freshPath();
    const ledger = new SqliteLedger(path, 5);
    const store = new SqliteKeyStore(path);
    closing.push(ledger, store);
    await store.create(storedKey());
    expect(await ledger.totals({ startMs: 0, endMs: Date.now(), key: "", provider: "", model: "" })).toEqual(
      [],
    );
    expect((await store.list()).map((k) => k.name)).toEqual(["app"]);
  });

  it("brings a table from before limits and budgets up to date: its keys have no rules of their own", async () => {
    const path = freshPath();
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE api_keys (name TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
      owner TEXT NOT NULL, team TEXT NOT NULL, metadata TEXT NOT NULL, admin INTEGER NOT NULL,
      priority INTEGER NOT NULL, enabled INTEGER NOT NULL, expires_at INTEGER, models TEXT, providers TEXT,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, revoked_at INTEGER)`);
    old.exec(`INSERT INTO api_keys VALUES ('old', '${"0".repeat(64)}', 'sk-llmgw-Old', '', '', '{}', 0, 0, 1,
      NULL, NULL, NULL, 1, 1, NULL)`);
    old.close();
    const store = new SqliteKeyStore(path);
    closing.push(store);
    const [key] = await store.list();
    expect(key).toMatchObject({ name: "old", limits: undefined, budgets: undefined });
    const limits = [{ requests: 2, window: 60_000 }];
    expect(await store.update("old", { limits }, 2)).toMatchObject({ limits });
    expect((await store.get("0".repeat(64)))?.limits).toEqual(limits);
  });
});
