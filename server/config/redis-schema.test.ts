import { describe, expect, it } from "vitest";
import { configSchema } from "./schema.ts";

describe("the redis config", () => {
  it("is absent by default: limits and budgets stay embedded", () => {
    expect(configSchema.parse({}).redis).toBeUndefined();
  });

  it("fills the timeouts and prefix when only the URL is given", () => {
    expect(configSchema.parse({ redis: { url: "redis://10.0.0.5:6379/2" } }).redis).toEqual({
      url: "redis://10.0.0.5:6379/2",
      command_timeout_ms: 1_000,
      connect_timeout_ms: 2_000,
      lease_ms: 5_000,
      prefix: "llmgw:",
    });
  });

  it("refuses a URL that is not redis:// or rediss://, and unknown fields", () => {
    expect(configSchema.safeParse({ redis: { url: "http://10.0.0.5:6379" } }).success).toBe(false);
    expect(configSchema.safeParse({ redis: { url: "rediss://cache:6380" } }).success).toBe(true);
    expect(configSchema.safeParse({ redis: { url: "redis://x:1", pool: 4 } }).success).toBe(false);
    expect(configSchema.safeParse({ redis: { url: "redis://x:1", lease_ms: 100 } }).success).toBe(false);
  });
});
