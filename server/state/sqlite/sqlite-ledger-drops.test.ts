import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { usageRecord } from "../ledger-sink-contract.ts";
import { SqliteLedger } from "./sqlite-ledger.ts";

/** Longer than any test: rows are flushed only when a test asks. */
const NEVER = 600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("SqliteLedger's dropped rows and lag", () => {
  it("reports the rows of a batch its worker could not write as dropped", async () => {
    // A file where the ledger's directory should be: the worker cannot open the ledger.
    const notADirectory = join(mkdtempSync(join(tmpdir(), "llmgw-drops-")), "file");
    writeFileSync(notADirectory, "");
    const errors: unknown[] = [];
    const ledger = new SqliteLedger(join(notADirectory, "ledger.db"), 10, (error) => errors.push(error));
    const dropped = new Promise<number>((resolve) => {
      ledger.onDropped = resolve;
    });
    ledger.record(usageRecord());
    ledger.record(usageRecord());
    ledger.record(usageRecord());
    try {
      expect(await dropped).toBe(3);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await ledger.close();
    }
  });

  it("reads its lag as the age of the oldest row not yet handed to the worker", async () => {
    let now = 1_000;
    vi.spyOn(performance, "now").mockImplementation(() => now);
    const ledger = new SqliteLedger(":memory:", NEVER);
    try {
      expect(ledger.lagMs()).toBe(0);
      ledger.record(usageRecord());
      now += 40;
      ledger.record(usageRecord());
      now += 60;
      expect(ledger.lagMs()).toBe(100);
      await ledger.totals({ startMs: 0, endMs: Date.UTC(2100, 0, 1) });
      expect(ledger.lagMs()).toBe(0);
    } finally {
      await ledger.close();
    }
  });
});
