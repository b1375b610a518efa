import { describe, expect, it } from "vitest";
import { cacheOn, cacheSchema } from "./cache-schema.ts";

describe("cache config", () => {
  it("defaults to an exact cache of 10,000 entries for an hour, shared globally, semantic off", () => {
    const config = cacheSchema.parse({});
    expect(config.exact).toMatchObject({ enabled: true, ttl_s: 3600, max_entries: 10_000 });
    expect(config.semantic).toMatchObject({
      enabled: false,
      threshold: 0.95,
      embedder: "local",
      input: "last_user",
      allow_sampling: false,
    });
    expect(config.namespace).toBe("global");
    expect(config.rate_limits_on_hit).toBe(true);
    expect(cacheOn(config)).toBe(true);
  });

  it("is off when absent or when both caches are disabled", () => {
    expect(cacheOn(undefined)).toBe(false);
    expect(cacheOn(cacheSchema.parse({ exact: { enabled: false } }))).toBe(false);
  });

  it("refuses thresholds outside (0, 1], unknown fields and bad namespaces", () => {
    expect(() => cacheSchema.parse({ semantic: { threshold: 1.5 } })).toThrow();
    expect(() => cacheSchema.parse({ semantic: { models: { m: 0 } } })).toThrow();
    expect(() => cacheSchema.parse({ exact: { ttl: 5 } })).toThrow();
    expect(() => cacheSchema.parse({ namespace: "user" })).toThrow();
    expect(() => cacheSchema.parse({ exact: { max_entries: -1 } })).toThrow();
  });

  it("takes allow_sampling as a switch or as the models that opt in", () => {
    expect(cacheSchema.parse({ semantic: { allow_sampling: true } }).semantic.allow_sampling).toBe(true);
    expect(cacheSchema.parse({ semantic: { allow_sampling: ["chat"] } }).semantic.allow_sampling).toEqual([
      "chat",
    ]);
    expect(() => cacheSchema.parse({ semantic: { allow_sampling: "yes" } })).toThrow();
  });

  it("keeps per-key and per-model bypass lists", () => {
    const config = cacheSchema.parse({ bypass: { keys: ["batch"], models: ["gpt-4o"] } });
    expect(config.bypass).toEqual({ keys: ["batch"], models: ["gpt-4o"] });
  });
});
