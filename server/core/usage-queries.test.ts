import { describe, expect, it } from "vitest";
import type { LedgerSink, UsageQuery } from "../state/ledger-sink.ts";
import { UsageQueries } from "./usage-queries.ts";

/** A ledger that answers nothing and remembers what it was asked. */
class AskedLedger implements LedgerSink {
  readonly asked: UsageQuery[] = [];
  record(): void {}
  async totals(query: UsageQuery) {
    this.asked.push(query);
    return [];
  }
  async close() {}
}

const none = { startMs: undefined, endMs: undefined, key: "", provider: "", model: "" };

describe("usage queries", () => {
  it("refuse a start after an explicit end", async () => {
    const usage = new UsageQueries(new AskedLedger());
    await expect(
      usage.query(
        { name: "a", admin: false, priority: 0, team: "" },
        { ...none, startMs: 2_000, endMs: 1_000 },
      ),
    ).rejects.toMatchObject({ code: "invalid_request", param: "start" });
  });

  it("refuse a time no date can hold", async () => {
    const usage = new UsageQueries(new AskedLedger());
    await expect(
      usage.query(
        { name: "a", admin: false, priority: 0, team: "" },
        { ...none, endMs: 99_999_999_999_999_000 },
      ),
    ).rejects.toMatchObject({
      code: "invalid_request",
      param: "end",
    });
  });

  it("make an open-ended range that starts in the future empty, not an error", async () => {
    const ledger = new AskedLedger();
    const start = Date.now() + 86_400_000;
    const report = await new UsageQueries(ledger).query(
      { name: "a", admin: false, priority: 0, team: "" },
      { ...none, startMs: start },
    );
    expect(report).toMatchObject({ startMs: start, endMs: start, rows: [] });
  });

  it("show a key only its own rows, and refuse it another key's", async () => {
    const ledger = new AskedLedger();
    const usage = new UsageQueries(ledger);
    await usage.query({ name: "a", admin: false, priority: 0, team: "" }, none);
    expect(ledger.asked[0]?.key).toBe("a");
    await expect(
      usage.query({ name: "a", admin: false, priority: 0, team: "" }, { ...none, key: "b" }),
    ).rejects.toMatchObject({
      code: "permission_denied",
    });
  });

  it("let an admin key read any key, or all of them", async () => {
    const ledger = new AskedLedger();
    const usage = new UsageQueries(ledger);
    await usage.query({ name: "ops", admin: true, priority: 0, team: "" }, { ...none, key: "b" });
    await usage.query({ name: "ops", admin: true, priority: 0, team: "" }, none);
    expect(ledger.asked.map((q) => q.key)).toEqual(["b", ""]);
  });
});
