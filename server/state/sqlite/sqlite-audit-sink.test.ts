import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { auditRecord, auditSinkContract } from "../audit-sink-contract.ts";
import { SqliteAuditSink } from "./sqlite-audit-sink.ts";

const NEVER = 600_000;
const dir = mkdtempSync(join(tmpdir(), "llmgw-audit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

auditSinkContract("SQLite", () => new SqliteAuditSink(":memory:", NEVER));

describe("SqliteAuditSink", () => {
  it("loses nothing on a graceful close: record N, close, reopen, count N", async () => {
    const path = join(dir, "close.db");
    const sink = new SqliteAuditSink(path, NEVER);
    for (let i = 0; i < 2_500; i++) sink.record(auditRecord());
    await sink.close();
    const reopened = new SqliteAuditSink(path, NEVER);
    let count = 0;
    for await (const _ of reopened.export({})) count++;
    await reopened.close();
    expect(count).toBe(2_500);
  });

  it("writes on its flush interval, seen by another connection to the file", async () => {
    const path = join(dir, "interval.db");
    const writer = new SqliteAuditSink(path, 20);
    const reader = new SqliteAuditSink(path, NEVER);
    try {
      const record = auditRecord();
      writer.record(record);
      await expect.poll(async () => (await reader.get(record.id))?.id, { timeout: 2_000 }).toBe(record.id);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});
