import { describe, expect, it } from "vitest";
import { budgetsSchema } from "../../config/budgets-schema.ts";
import type { UsageRecord } from "../../state/ledger-sink.ts";
import { MemoryBudgetStore } from "../../state/memory/memory-budget-store.ts";
import { SqliteLedger } from "../../state/sqlite/sqlite-ledger.ts";
import { BudgetLimits } from "./budget-limits.ts";
import { PeriodClock } from "./budget-period.ts";
import { seedSpend } from "./seed-spend.ts";

function row(
  at: string,
  key: string,
  costUsd: number,
  promptTokens: number,
  completionTokens: number,
): UsageRecord {
  return {
    at: Date.parse(at),
    requestId: `r-${at}-${key}`,
    key,
    team: "",
    surface: "openai",
    provider: "p",
    model: "m",
    status: "ok",
    promptTokens,
    completionTokens,
    cachedTokens: 0,
    reasoningTokens: 0,
    estimated: false,
    latencyMs: 1,
    ttftMs: 1,
    costUsd,
    attempts: 1,
    deployment: "p:m",
  };
}

describe("seeding budgets from the ledger", () => {
  it("rebuilds this day's and month's spend per key, team and global, in the budgets' zone", async () => {
    const ledger = new SqliteLedger(":memory:", 10);
    try {
      // Paris (UTC+1): its 10 December began at 2026-12-09T23:00Z.
      ledger.record(row("2026-11-30T22:59:00Z", "alice", 5, 1, 1)); // 30 November in Paris: no month
      ledger.record(row("2026-12-03T10:00:00Z", "alice", 0.25, 100, 50)); // this month
      ledger.record(row("2026-12-09T23:30:00Z", "alice", 0.1, 10, 5)); // today, though 9 December in UTC
      ledger.record(row("2026-12-10T08:00:00Z", "bob", 0.05, 20, 0)); // today
      const config = budgetsSchema.parse({
        time_zone: "Europe/Paris",
        per_key: [{ usd: 1, period: "day" }],
        teams: { search: [{ tokens: 1000, period: "month" }] },
        global: [{ usd: 10, period: "month" }],
      });
      const clock = new PeriodClock(config.time_zone, () => Date.parse("2026-12-10T12:00:00Z"));
      const store = new MemoryBudgetStore();
      const teams: Record<string, string> = { alice: "search" };
      await seedSpend(store, ledger, new BudgetLimits(config), clock, (k) => teams[k] ?? "");
      const spent = async (scope: string, period: string) => (await store.get({ scope, period }, 0)).spent;
      expect(await spent("usd:key:alice", "day:2026-12-10")).toBe(100_000);
      expect(await spent("usd:key:bob", "day:2026-12-10")).toBe(50_000);
      expect(await spent("tokens:team:search", "month:2026-12")).toBe(165);
      expect(await spent("usd:global", "month:2026-12")).toBe(400_000);
    } finally {
      await ledger.close();
    }
  });

  it("charges a stored key with budgets of its own to those, with none configured", async () => {
    const ledger = new SqliteLedger(":memory:", 10);
    try {
      ledger.record(row("2026-12-10T08:00:00Z", "stored", 0.15, 0, 10));
      ledger.record(row("2026-12-10T09:00:00Z", "other", 0.15, 0, 10));
      const config = budgetsSchema.parse({});
      const clock = new PeriodClock("UTC", () => Date.parse("2026-12-10T12:00:00Z"));
      const store = new MemoryBudgetStore();
      const own = { stored: [{ usd: 0.3, period: "day" as const }] };
      await seedSpend(
        store,
        ledger,
        new BudgetLimits(config),
        clock,
        () => "",
        (k) => (k === "stored" ? own.stored : undefined),
      );
      const spent = async (scope: string) => (await store.get({ scope, period: "day:2026-12-10" }, 0)).spent;
      expect(await spent("usd:key:stored")).toBe(150_000);
      expect(await spent("usd:key:other")).toBe(0);
    } finally {
      await ledger.close();
    }
  });
});
