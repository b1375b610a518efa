import { describe, expect, it } from "vitest";
import { limitsSchema } from "../../config/limits-schema.ts";
import type { KeyInfo } from "../../core/call.ts";
import { LimitTable } from "./limit-table.ts";

const table = (limits: unknown) => new LimitTable(limitsSchema.parse(limits));
const key = (name: string, over: Partial<KeyInfo> = {}): KeyInfo => ({
  name,
  admin: false,
  priority: 0,
  team: "",
  ...over,
});
const keys = (t: LimitTable, k: KeyInfo, model = "m") => {
  const c = t.countersFor(k, model);
  return [...c.requests, ...c.tokens, ...c.concurrent].map((x) => `${x.key}=${x.limit}`);
};

describe("the counters a call is counted against", () => {
  it("counts a key with rules of its own on those, in place of keys[name] and per_key", () => {
    const t = table({
      per_key: [{ requests: 60, window: "1m" }],
      keys: { vip: [{ requests: 1000, window: "1m" }] },
      teams: { search: [{ tokens: 500, window: "1h" }] },
      global: [{ requests: 1000, window: "15m" }],
    });
    const own = key("vip", { team: "search", limits: [{ requests: 2, window: 60_000 }, { concurrent: 1 }] });
    expect(keys(t, own)).toEqual([
      "requests:60000:key:vip=2",
      "requests:900000:global:=1000",
      "tokens:3600000:team:search=500",
      "concurrent:0:key:vip=1",
    ]);
    expect(keys(t, key("vip"))).toEqual(["requests:60000:key:vip=1000", "requests:900000:global:=1000"]);
    expect(keys(t, key("bob"))).toEqual(["requests:60000:key:bob=60", "requests:900000:global:=1000"]);
    // An empty list of its own: no per-key limit at all.
    expect(keys(t, key("vip", { limits: [] }))).toEqual(["requests:900000:global:=1000"]);
    expect(t.label("requests:60000:key:vip")).toMatch(/^key "vip" allows/);
  });

  it("counts a key's own rules with no limits configured, and nothing for the others", () => {
    const t = table({});
    const plain = t.countersFor(key("a"), "m");
    expect(plain.empty).toBe(true);
    expect(t.countersFor(key("b"), "x")).toBe(plain);
    const own = key("a", { limits: [{ requests: 2, window: 60_000 }] });
    expect(keys(t, own)).toEqual(["requests:60000:key:a=2"]);
    expect(t.label("requests:60000:key:a")).toBe('key "a" allows 2 requests per 1m');
    // A key changed at runtime is a new KeyInfo: its new rules count, on the same counter.
    const raised = { ...own, limits: [{ requests: 5, window: 60_000 }] };
    expect(keys(t, raised)).toEqual(["requests:60000:key:a=5"]);
    expect(keys(t, own)).toEqual(["requests:60000:key:a=2"]);
  });
});
