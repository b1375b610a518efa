import { describe, expect, it } from "vitest";
import { BudgetSpendMetrics } from "./budget-spend-metrics.ts";

describe("BudgetSpendMetrics", () => {
  it("reports team and global budgets by name, and the key closest to its cap without per-key labels", () => {
    const m = new BudgetSpendMetrics();
    m.observe("team", "usd:team:search", "day", 25, 100);
    m.observe("global", "usd:global", "month", 1, 4);
    m.observe("key", "usd:key:alice", "day", 30, 100);
    m.observe("key", "usd:key:bob", "day", 90, 100);
    m.observe("key", "usd:key:bob", "day", 45, 100);
    const text = m.render();
    expect(text).toContain(
      'llmgw_budget_spend_ratio{level="team",name="search",unit="usd",period="day"} 0.25\n',
    );
    expect(text).toContain(
      'llmgw_budget_spend_ratio{level="global",name="",unit="usd",period="month"} 0.25\n',
    );
    expect(text).toContain('llmgw_budget_spend_ratio{level="key",name="",unit="usd",period="day"} 0.45\n');
    expect(text).not.toContain("alice");
  });

  it("names keys with per-key metrics on, and reports nothing before a settlement", () => {
    const m = new BudgetSpendMetrics();
    expect(m.render()).toBe("");
    m.perKey = true;
    m.observe("key", "tokens:key:alice", "day", 500, 1000);
    expect(m.render()).toContain('{level="key",name="alice",unit="tokens",period="day"} 0.5\n');
  });
});
