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

  it("holds a key with budgets of its own to those, in place of keys[name] and per_key", () => {
    const l = limits({
      per_key: [{ usd: 1, period: "day" }],
      keys: { vip: [{ tokens: 500, period: "month" }] },
      teams: { search: [{ usd: 10, period: "month" }] },
    });
    const own = { name: "vip", team: "search", budgets: [{ usd: 0.15, period: "day" as const }] };
    expect(l.for(own).map((b) => `${b.scope}/${b.period}=${b.cap}`)).toEqual([
      "usd:key:vip/day=150000",
      "usd:team:search/month=10000000",
    ]);
    // The name cache still serves a payer of that name without rules of its own, and was not filled by `own`.
    expect(caps(l, "vip", "search")).toEqual(["tokens:key:vip/month=500", "usd:team:search/month=10000000"]);
    expect(l.for(own)[0]?.cap).toBe(150_000);
    // An empty list of its own: no per-key budget at all, the team's still applies.
    expect(caps(l, "vip", "search")).toHaveLength(2);
    expect(l.for({ name: "vip", team: "search", budgets: [] }).map((b) => b.scope)).toEqual([
      "usd:team:search",
    ]);
  });

  it("applies a key's own budgets with nothing configured, and costs nothing for the others", () => {
    const l = limits({});
    expect(l.configured).toBe(false);
    const none = l.for({ name: "a", team: "t" });
    expect(none).toEqual([]);
    expect(l.for({ name: "b", team: "" })).toBe(none);
    const own = { name: "a", team: "t", budgets: [{ tokens: 10, period: "month" as const }] };
    expect(l.for(own).map((b) => b.scope)).toEqual(["tokens:key:a"]);
    // A key changed at runtime is a new object: its new rules are seen, the old list is not served.
    const raised = { ...own, budgets: [{ tokens: 20, period: "month" as const }] };
    expect(l.for(raised)[0]?.cap).toBe(20);
    expect(l.for(own)[0]?.cap).toBe(10);
  });
});
