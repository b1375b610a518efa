import { describe, expect, it } from "vitest";
import { budgetsSchema } from "../../config/budgets-schema.ts";
import { BudgetLimits } from "./budget-limits.ts";

const limits = (budgets: unknown) => new BudgetLimits(budgetsSchema.parse(budgets));
const caps = (l: BudgetLimits, name: string, team = "") =>
  l.for({ name, team }).map((b) => `${b.scope}/${b.period}=${b.cap}`);

describe("which budgets apply", () => {
  it("is off with no rules anywhere", () => {
    expect(limits({}).configured).toBe(false);
    expect(limits({ keys: { a: [] } }).configured).toBe(false);
    expect(limits({ teams: { t: [{ tokens: 1, period: "day" }] } }).configured).toBe(true);
  });

  it("holds a key to its own rules or per_key, its team's and the global ones, USD in micro-dollars", () => {
    const l = limits({
      per_key: [{ usd: 1.25, period: "day" }],
      keys: { vip: [{ tokens: 500, period: "month" }] },
      teams: { search: [{ usd: 10, tokens: 9000, period: "month" }] },
      global: [{ usd: 100, period: "month" }],
    });
    expect(caps(l, "alice", "search")).toEqual([
      "usd:key:alice/day=1250000",
      "usd:team:search/month=10000000",
      "tokens:team:search/month=9000",
      "usd:global/month=100000000",
    ]);
    expect(caps(l, "vip")).toEqual(["tokens:key:vip/month=500", "usd:global/month=100000000"]);
    // An anonymous caller (an open gateway) has only the global budgets.
    expect(caps(l, "")).toEqual(["usd:global/month=100000000"]);
  });

  it("changes a scope's caps at runtime: a key starts from per_key, no caps removes the rule", () => {
    const l = limits({ per_key: [{ usd: 1, period: "day" }] });
    const key = { name: "alice", team: "" };
    expect(l.for(key)).toHaveLength(1);
    l.set("key:alice", "month", { tokens: 100 });
    expect(caps(l, "alice")).toEqual(["usd:key:alice/day=1000000", "tokens:key:alice/month=100"]);
    // The same key object sees the change too (its list was cached by identity).
    expect(l.for(key)).toHaveLength(2);
    l.set("key:alice", "day", {});
    expect(caps(l, "alice")).toEqual(["tokens:key:alice/month=100"]);
    expect(caps(l, "bob")).toEqual(["usd:key:bob/day=1000000"]);
    l.set("global", "day", { usd: 5 });
    expect(caps(l, "bob")).toEqual(["usd:key:bob/day=1000000", "usd:global/day=5000000"]);
    expect(() => l.set("user:x", "day", { usd: 1 })).toThrow(/key:<name>, team:<team> or global/);
  });
});
