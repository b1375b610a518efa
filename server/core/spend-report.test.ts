import { describe, expect, it } from "vitest";
import type { UsageTotals } from "../state/ledger-sink.ts";
import { spendReport } from "./spend-report.ts";

function totals(over: Partial<UsageTotals>): UsageTotals {
  return {
    day: "2026-12-01",
    key: "alice",
    team: "search",
    provider: "openai",
    model: "gpt-4o-mini",
    requests: 1,
    errors: 0,
    promptTokens: 10,
    completionTokens: 5,
    costUsd: 0.01,
    avgLatencyMs: 100,
    ...over,
  };
}

describe("spendReport", () => {
  it("sums one model's providers into one row per day, key, team and model", () => {
    const report = spendReport([
      totals({ provider: "azure", requests: 2, costUsd: 0.02 }),
      totals({ model: "gpt-4o", costUsd: 0.5 }),
      totals({ provider: "openai", requests: 3, promptTokens: 30, costUsd: 0.03 }),
      totals({ day: "2026-12-02", costUsd: 0.04 }),
      totals({ team: "ads", costUsd: 0.25 }),
    ]);
    expect(report.rows.map((r) => [r.day, r.key, r.team, r.model, r.requests, r.promptTokens])).toEqual([
      ["2026-12-01", "alice", "ads", "gpt-4o-mini", 1, 10],
      ["2026-12-01", "alice", "search", "gpt-4o", 1, 10],
      ["2026-12-01", "alice", "search", "gpt-4o-mini", 5, 40],
      ["2026-12-02", "alice", "search", "gpt-4o-mini", 1, 10],
    ]);
    expect(report.rows[2]?.costUsd).toBeCloseTo(0.05, 10);
    expect(report.totalCostUsd).toBeCloseTo(0.84, 10);
    expect(report.totalRequests).toBe(8);
    expect(report.totalTokens).toBe(10 + 10 + 30 + 10 + 10 + 5 * 5);
  });

  it("reports nothing spent for no rows", () => {
    expect(spendReport([])).toEqual({ rows: [], totalCostUsd: 0, totalTokens: 0, totalRequests: 0 });
  });
});
