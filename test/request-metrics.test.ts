import { describe, expect, it } from "vitest";
import { RequestMetrics } from "../server/telemetry/request-metrics.ts";

const outcome = {
  surface: "openai",
  provider: "local",
  model: "llama",
  status: "ok",
  latencySeconds: 0.02,
  ttftSeconds: 0.004,
  promptTokens: 10,
  completionTokens: 5,
};

describe("request metrics exposition", () => {
  it("renders cumulative histogram buckets, sums and counts per provider and model", () => {
    const metrics = new RequestMetrics();
    metrics.observe(outcome);
    metrics.observe({ ...outcome, latencySeconds: 3, ttftSeconds: undefined });
    metrics.observe({ ...outcome, status: "upstream_error", latencySeconds: 500, ttftSeconds: undefined });
    const text = metrics.render();
    expect(text).toContain(
      'llmgw_requests_total{surface="openai",provider="local",model="llama",status="ok"} 2\n',
    );
    expect(text).toContain('status="upstream_error"} 1\n');
    const bucket = (le: string) =>
      Number(
        new RegExp(
          `llmgw_request_duration_seconds_bucket\\{provider="local",model="llama",le="${le.replace("+", "\\+")}"\\} (\\d+)`,
        ).exec(text)?.[1],
      );
    expect(bucket("0.01")).toBe(0);
    expect(bucket("0.025")).toBe(1);
    expect(bucket("5")).toBe(2);
    expect(bucket("120")).toBe(2);
    expect(bucket("+Inf")).toBe(3);
    expect(text).toContain('llmgw_request_duration_seconds_sum{provider="local",model="llama"} 503.02\n');
    expect(text).toContain('llmgw_time_to_first_token_seconds_count{provider="local",model="llama"} 1\n');
    expect(text).toContain('llmgw_tokens_total{provider="local",model="llama",kind="completion"} 15\n');
  });

  it("escapes label values so a model name cannot break the format", () => {
    const metrics = new RequestMetrics();
    metrics.observe({ ...outcome, model: 'we"ird\\name\nx' });
    expect(metrics.render()).toContain('model="we\\"ird\\\\name\\nx"');
  });
});
