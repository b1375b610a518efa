import { describe, expect, it } from "vitest";
import { configSchema } from "./schema.ts";

describe("the overload, tls and security_headers config", () => {
  it("guards by default with sane limits, serves cleartext, and sends the security headers", () => {
    const config = configSchema.parse({});
    expect(config.overload).toMatchObject({
      enabled: true,
      max_connections: 10_000,
      max_in_flight: 4_096,
      max_event_loop_delay_ms: 250,
      max_heap_ratio: 0.9,
      max_rss_bytes: 0,
      retry_after_s: 1,
    });
    expect(config.tls).toBeUndefined();
    expect(config.security_headers).toEqual({ enabled: true, csp: {}, hsts_max_age_s: 31_536_000 });
  });

  it("refuses a heap ratio of 0 or over 1, negative limits, and unknown fields", () => {
    for (const overload of [
      { max_heap_ratio: 0 },
      { max_heap_ratio: 1.5 },
      { max_in_flight: -1 },
      { queue: 3 },
    ])
      expect(configSchema.safeParse({ overload }).success, JSON.stringify(overload)).toBe(false);
  });

  it("needs both tls files, and refuses a CSP prefix that is not a path or a policy with a newline", () => {
    expect(configSchema.safeParse({ tls: { cert: "c.pem" } }).success).toBe(false);
    expect(configSchema.parse({ tls: { cert: "c.pem", key: "k.pem" } }).tls?.watch_interval_ms).toBe(2_000);
    expect(configSchema.safeParse({ security_headers: { csp: { ui: "default-src 'self'" } } }).success).toBe(
      false,
    );
    expect(configSchema.safeParse({ security_headers: { csp: { "/ui": "a\r\nx-evil: 1" } } }).success).toBe(
      false,
    );
  });
});
