import { afterEach, describe, expect, it } from "vitest";
import type { LedgerSink, UsageRecord } from "./ledger-sink.ts";

const DAY_1 = Date.UTC(2026, 0, 1, 10);
const DAY_2 = Date.UTC(2026, 0, 2, 23, 59);
const ALL = { startMs: Date.UTC(2025, 0, 1), endMs: Date.UTC(2027, 0, 1) };

/** A row with every field set; tests override what they look at. */
export function usageRecord(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    at: DAY_1,
    requestId: `req-${Math.random().toString(36).slice(2)}`,
    key: "team-a",
    team: "",
    surface: "openai",
    provider: "mock",
    model: "mock-small",
    status: "ok",
    promptTokens: 10,
    completionTokens: 20,
    cachedTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    latencyMs: 100,
    ttftMs: 10,
    costUsd: 0.5,
    attempts: 1,
    deployment: "mock:mock-small",
    ...over,
  };
}

/**
 * What every `LedgerSink` backend must do, whatever stores the rows. Run it
 * with a factory that opens an empty ledger whose flush interval is far longer
 * than a test, so that "seen by totals" means "flushed by totals".
 */
export function ledgerSinkContract(name: string, open: () => LedgerSink | Promise<LedgerSink>): void {
  describe(`LedgerSink contract: ${name}`, () => {
    const opened: LedgerSink[] = [];
    const fresh = async () => {
      const sink = await open();
      opened.push(sink);
      return sink;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((sink) => sink.close()));
    });

    it("totals rows per UTC day, key, provider and model, in that order", async () => {
      const sink = await fresh();
      sink.record(usageRecord({ at: DAY_2, key: "team-b" }));
      sink.record(usageRecord({ at: DAY_1, latencyMs: 100 }));
      sink.record(usageRecord({ at: DAY_1 + 3_600_000, latencyMs: 300 }));
      sink.record(usageRecord({ at: DAY_1, provider: "other", model: "big" }));
      sink.record(usageRecord({ at: DAY_1, model: "mock-large" }));
      const rows = await sink.totals(ALL);
      expect(rows.map((r) => [r.day, r.key, r.provider, r.model, r.requests])).toEqual([
        ["2026-01-01", "team-a", "mock", "mock-large", 1],
        ["2026-01-01", "team-a", "mock", "mock-small", 2],
        ["2026-01-01", "team-a", "other", "big", 1],
        ["2026-01-02", "team-b", "mock", "mock-small", 1],
      ]);
      expect(rows[1]).toMatchObject({ promptTokens: 20, completionTokens: 40, avgLatencyMs: 200 });
    });

    it("keeps the key's team of each row, and filters by it", async () => {
      const sink = await fresh();
      sink.record(usageRecord({ key: "alice", team: "search" }));
      sink.record(usageRecord({ key: "alice", team: "ads" }));
      sink.record(usageRecord({ key: "bob", team: "search" }));
      sink.record(usageRecord({ key: "carol" }));
      const all = await sink.totals(ALL);
      expect(all.map((r) => [r.key, r.team, r.requests])).toEqual([
        ["alice", "ads", 1],
        ["alice", "search", 1],
        ["bob", "search", 1],
        ["carol", "", 1],
      ]);
      const search = await sink.totals({ ...ALL, team: "search" });
      expect(search.map((r) => r.key)).toEqual(["alice", "bob"]);
    });

    it("counts every status but ok as an error, and sums the known costs", async () => {
      const sink = await fresh();
      sink.record(usageRecord({ status: "ok", costUsd: 0.25 }));
      sink.record(usageRecord({ status: "rate_limited", costUsd: undefined }));
      sink.record(usageRecord({ status: "cancelled", costUsd: 1.5 }));
      const [row, ...rest] = await sink.totals(ALL);
      expect(rest).toEqual([]);
      expect(row).toMatchObject({ requests: 3, errors: 2, costUsd: 1.75 });
    });

    it("reports a cost of 0 when no row has one", async () => {
      const sink = await fresh();
      sink.record(usageRecord({ costUsd: undefined }));
      expect((await sink.totals(ALL))[0]?.costUsd).toBe(0);
    });

    it("filters by key, provider, model and a half-open time range", async () => {
      const sink = await fresh();
      sink.record(usageRecord({ key: "team-a", provider: "mock", model: "m1", at: DAY_1 }));
      sink.record(usageRecord({ key: "team-b", provider: "mock", model: "m2", at: DAY_1 }));
      sink.record(usageRecord({ key: "team-b", provider: "other", model: "m1", at: DAY_2 }));
      const keys = async (query: object) =>
        (await sink.totals({ ...ALL, ...query })).map((r) => `${r.key}/${r.provider}/${r.model}`);
      expect(await keys({ key: "team-b" })).toEqual(["team-b/mock/m2", "team-b/other/m1"]);
      expect(await keys({ provider: "other" })).toEqual(["team-b/other/m1"]);
      expect(await keys({ model: "m1" })).toEqual(["team-a/mock/m1", "team-b/other/m1"]);
      expect(await keys({ key: "team-b", model: "m1" })).toEqual(["team-b/other/m1"]);
      expect(await keys({ key: "", provider: "", model: "" })).toHaveLength(3);
      expect(await keys({ startMs: DAY_1, endMs: DAY_2 })).toEqual(["team-a/mock/m1", "team-b/mock/m2"]);
      expect(await keys({ startMs: DAY_2 + 1 })).toEqual([]);
    });

    it("sees every row recorded just before totals is called, without waiting for a flush", async () => {
      const sink = await fresh();
      for (let i = 0; i < 1_000; i++) sink.record(usageRecord({ completionTokens: 1 }));
      const first = sink.totals(ALL);
      sink.record(usageRecord({ completionTokens: 1 }));
      const second = sink.totals(ALL);
      expect((await first)[0]).toMatchObject({ requests: 1_000, completionTokens: 1_000 });
      expect((await second)[0]).toMatchObject({ requests: 1_001, completionTokens: 1_001 });
    });

    it("returns no rows for an empty ledger", async () => {
      const sink = await fresh();
      expect(await sink.totals(ALL)).toEqual([]);
    });

    it("ignores records after close instead of throwing at the caller", async () => {
      const sink = await fresh();
      await sink.close();
      expect(() => sink.record(usageRecord())).not.toThrow();
      await expect(sink.close()).resolves.toBeUndefined();
    });
  });
}
