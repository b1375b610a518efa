import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.ts";
import { ledgerSinkContract, usageRecord } from "../ledger-sink-contract.ts";
import { SqliteLedger } from "./sqlite-ledger.ts";

const dir = mkdtempSync(join(tmpdir(), "llmgw-sqlite-ledger-"));
let files = 0;
const freshPath = () => join(dir, `ledger-${files++}.db`);
const ALL = { startMs: 0, endMs: Date.UTC(2100, 0, 1) };
/** Longer than any test: every row a test sees was flushed by `totals` or `close`. */
const NEVER = 600_000;

ledgerSinkContract("SQLite in a worker thread, in a file", () => new SqliteLedger(freshPath(), NEVER));
ledgerSinkContract("SQLite in a worker thread, in memory", () => new SqliteLedger(":memory:", NEVER));

describe("SqliteLedger", () => {
  it("flushes on close, so a ledger reopened on the same file has every row", async () => {
    const path = freshPath();
    const first = new SqliteLedger(path, NEVER);
    first.record(usageRecord({ promptTokens: 3 }));
    first.record(usageRecord({ promptTokens: 4 }));
    await first.close();
    const second = new SqliteLedger(path, NEVER);
    try {
      expect((await second.totals(ALL))[0]).toMatchObject({ requests: 2, promptTokens: 7 });
    } finally {
      await second.close();
    }
  });

  it("writes on its flush interval without being asked", async () => {
    const path = freshPath();
    const writer = new SqliteLedger(path, 20);
    const reader = new SqliteLedger(path, NEVER);
    try {
      writer.record(usageRecord());
      await expect
        .poll(async () => (await reader.totals(ALL))[0]?.requests, { timeout: 5_000, interval: 25 })
        .toBe(1);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it("reports an unwritable path through onError, and never throws at record", async () => {
    const notADir = join(dir, "a-file");
    writeFileSync(notADir, "");
    const errors: unknown[] = [];
    const ledger = new SqliteLedger(join(notADir, "ledger.db"), NEVER, (error) => errors.push(error));
    try {
      expect(() => ledger.record(usageRecord())).not.toThrow();
      const failed = await ledger.totals(ALL).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(GatewayError);
      expect((failed as GatewayError).code).toBe("unavailable");
      // One report for the failed open, one for the batch that `totals` flushed.
      expect(errors.length).toBe(2);
      expect(errors[0]).toBeInstanceOf(Error);
      expect((errors[0] as Error).message).toContain(notADir);
    } finally {
      await ledger.close();
    }
  });
});
