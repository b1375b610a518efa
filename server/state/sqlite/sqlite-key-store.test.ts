import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
});
