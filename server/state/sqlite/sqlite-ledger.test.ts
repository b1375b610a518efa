import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors/gateway-error.ts";
import { ledgerRollupContract } from "../ledger-rollup-contract.ts";
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

  it("stores each row's attempts and the deployment that served it", async () => {
    const path = freshPath();
    const ledger = new SqliteLedger(path, NEVER);
    ledger.record(usageRecord({ requestId: "r1", attempts: 3, deployment: "cloud:gpt-4o" }));
    ledger.record(usageRecord({ requestId: "r2", status: "unauthenticated", attempts: 0, deployment: "" }));
    await ledger.close();
    expect(read(path, "SELECT request_id, status, attempts, deployment FROM usage ORDER BY rowid")).toEqual([
      { request_id: "r1", status: "ok", attempts: 3, deployment: "cloud:gpt-4o" },
      { request_id: "r2", status: "unauthenticated", attempts: 0, deployment: "" },
    ]);
  });

  it("opens a file an older gateway wrote: adds the new columns and keeps its rows", async () => {
    const path = freshPath();
    writeOldLedger(path);
    const errors: unknown[] = [];
    // Two gateways opening the same old file at once: one adds the columns, the other finds them.
    const first = new SqliteLedger(path, NEVER, (error) => errors.push(error));
    const second = new SqliteLedger(path, NEVER, (error) => errors.push(error));
    first.record(usageRecord({ requestId: "new-1", promptTokens: 5, attempts: 2, deployment: "a:m" }));
    second.record(usageRecord({ requestId: "new-2", promptTokens: 6, attempts: 1, deployment: "b:m" }));
    try {
      await second.totals(ALL);
      expect((await first.totals(ALL))[0]).toMatchObject({ requests: 3, promptTokens: 18 });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    expect(errors).toEqual([]);
    expect(read(path, "SELECT request_id, attempts, deployment FROM usage ORDER BY request_id")).toEqual([
      { request_id: "new-1", attempts: 2, deployment: "a:m" },
      { request_id: "new-2", attempts: 1, deployment: "b:m" },
      { request_id: "old-1", attempts: 0, deployment: "" },
    ]);
  });
});

/** Rows of `sql` on the file at `path`, as plain objects. */
function read(path: string, sql: string): unknown[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db
      .prepare(sql)
      .all()
      .map((row) => ({ ...row }));
  } finally {
    db.close();
  }
}

/** A ledger file as the first release wrote it: no attempts, no deployment, one row of 7 prompt tokens. */
function writeOldLedger(path: string): void {
  const db = new DatabaseSync(path);
  db.exec(`
    PRAGMA journal_mode = WAL;
    CREATE TABLE usage (
      at INTEGER NOT NULL, request_id TEXT NOT NULL, key TEXT NOT NULL, surface TEXT NOT NULL,
      provider TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL,
      prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
      reasoning_tokens INTEGER NOT NULL, estimated INTEGER NOT NULL, latency_ms REAL NOT NULL,
      ttft_ms REAL NOT NULL, cost_usd REAL
    );
    CREATE INDEX usage_at ON usage (at);
  `);
  const old = usageRecord({ requestId: "old-1", promptTokens: 7 });
  db.prepare("INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
    old.at,
    old.requestId,
    old.key,
    old.surface,
    old.provider,
    old.model,
    old.status,
    old.promptTokens,
    old.completionTokens,
    old.cachedTokens,
    old.reasoningTokens,
    0,
    old.latencyMs,
    old.ttftMs,
    old.costUsd ?? null,
  );
  db.close();
}

ledgerRollupContract("SQLite", () => new SqliteLedger(freshPath(), NEVER));
