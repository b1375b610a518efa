import { describe, expect, it } from "vitest";
import { configSchema } from "./schema.ts";

describe("the telemetry config", () => {
  it("is off by default: no OTLP endpoint, so no tracing", () => {
    expect(configSchema.parse({}).telemetry).toEqual({ webhooks: [] });
  });

  it("fills the exporter's defaults when only the endpoint is given", () => {
    expect(
      configSchema.parse({ telemetry: { otlp: { endpoint: "http://collector:4318/v1/traces" } } }).telemetry,
    ).toEqual({
      webhooks: [],
      otlp: {
        endpoint: "http://collector:4318/v1/traces",
        headers: {},
        service_name: "llmgw",
        record_content: false,
        batch_delay_ms: 1_000,
        max_queue: 4_096,
      },
    });
  });

  it("refuses a non-HTTP endpoint, wrong types and unknown fields", () => {
    const parse = (otlp: unknown) => configSchema.safeParse({ telemetry: { otlp } }).success;
    expect(parse({ endpoint: "grpc://collector:4317" })).toBe(false);
    expect(parse({ endpoint: "http://c:4318", record_content: "yes" })).toBe(false);
    expect(parse({ endpoint: "http://c:4318", batch_delay_ms: -1 })).toBe(false);
    expect(parse({ endpoint: "http://c:4318", sampler: "always" })).toBe(false);
    expect(configSchema.safeParse({ telemetry: { traces: true } }).success).toBe(false);
  });

  it("fills a request webhook's batching and refuses a short secret", () => {
    const parse = (webhook: unknown) => configSchema.safeParse({ telemetry: { webhooks: [webhook] } });
    const ok = parse({ url: "https://hooks.example.com/llmgw", secret: "0123456789abcdef" });
    expect(ok.success && ok.data.telemetry.webhooks[0]).toMatchObject({
      batch_size: 100,
      flush_interval_ms: 1_000,
      max_pending: 10_000,
      retries: 3,
      timeout_ms: 5_000,
    });
    expect(parse({ url: "https://hooks.example.com/llmgw", secret: "short" }).success).toBe(false);
    expect(parse({ url: "ftp://x", secret: "0123456789abcdef" }).success).toBe(false);
    expect(parse({ url: "https://x", secret: "0123456789abcdef", batch_size: 0 }).success).toBe(false);
  });
});
