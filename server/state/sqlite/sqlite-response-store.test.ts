import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { responseStoreContract, storedResponse } from "../response-store-contract.ts";
import { SqliteKeyStore } from "./sqlite-key-store.ts";
import { SqliteResponseStore } from "./sqlite-response-store.ts";

const dir = mkdtempSync(join(tmpdir(), "llmgw-responses-"));
let files = 0;
const freshPath = () => join(dir, `responses-${files++}.db`);

responseStoreContract("SQLite, in a file", () => new SqliteResponseStore(freshPath()));
responseStoreContract("SQLite, in memory", () => new SqliteResponseStore(":memory:"));

describe("the SQLite response store", () => {
  it("keeps its responses across a restart, in the file it shares with the key store", async () => {
    const path = freshPath();
    const keys = new SqliteKeyStore(path);
    const first = new SqliteResponseStore(path);
    await first.put(storedResponse());
    await first.close();
    const second = new SqliteResponseStore(path);
    try {
      expect(await second.get(storedResponse().id)).toEqual(storedResponse());
      expect(await keys.list()).toEqual([]);
    } finally {
      await second.close();
      await keys.close();
    }
  });
});
