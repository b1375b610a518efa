import { describe, expect, it } from "vitest";
import { RequestMetrics, type RequestOutcome } from "./request-metrics.ts";

const outcome: RequestOutcome = {
  surface: "openai",
  provider: "local",
  model: "llama",
  status: "ok",
  cache: "none",
  key: "",
  stream: false,
  latencySeconds: 0.02,
  ttftSeconds: 0.004,
  interTokenSeconds: undefined,
  tokensPerSecond: 250,
  overheadSeconds: 0.0004,
  promptTokens: 10,
  completionTokens: 5,
  cachedTokens: 2,
  reasoningTokens: 1,
  costUsd: 0.5,
  retries: 0,
  fallbacks: 0,
};

describe("request metrics exposition", () => {
  it("renders cumulative histogram buckets, sums and counts per provider and model", () => {
    const metrics = new RequestMetrics();
    metrics.observe(outcome);
    metrics.observe({ ...outcome, latencySeconds: 3, ttftSeconds: undefined, retries: 2 });
    metrics.observe({ ...outcome, status: "upstream_error", latencySeconds: 500, ttftSeconds: undefined });
    const text = metrics.render();
    expect(text).toContain(
      'llmgw_requests_total{surface="openai",provider="local",model="llama",status="ok",cache="none"} 2\n',
    );
    expect(text).toContain('status="upstream_error",cache="none"} 1\n');
    const bucket = (le: string) =>
      Number(
        new RegExp(
          `llmgw_request_duration_seconds_bucket\\{provider="local",model="llama",le="${le.replace("+", "\\+")}"\\} (\\d+)`,
        ).exec(text)?.[1],
      );
    expect(bucket("0.01")).toBe(0);
    expect(bucket("0.025")).toBe(1);
    expect(bucket("5")).toBe(2);
    expect(bucket("300")).toBe(2);
    expect(bucket("+Inf")).toBe(3);
    expect(text).toContain('llmgw_request_duration_seconds_sum{provider="local",model="llama"} 503.02\n');
    expect(text).toContain('llmgw_time_to_first_token_seconds_count{provider="local",model="llama"} 1\n');
    expect(text).toContain('llmgw_tokens_total{provider="local",model="llama",kind="completion"} 15\n');
    expect(text).toContain('llmgw_tokens_total{provider="local",model="llama",kind="cached"} 6\n');
    expect(text).toContain('llmgw_tokens_total{provider="local",model="llama",kind="reasoning"} 3\n');
    expect(text).toContain('llmgw_cost_usd_total{provider="local",model="llama"} 1.5\n');
    expect(text).toContain('llmgw_retries_total{provider="local",model="llama"} 2\n');
    expect(text).toContain('llmgw_gateway_overhead_seconds_count{surface="openai",mode="unary"} 3\n');
    expect(text).toContain('llmgw_refusals_total{reason="rate_limited"} 0\n');
  });

  it("adds the key label only to outcomes that carry one, and counts refusals by reason", () => {
    const metrics = new RequestMetrics();
    metrics.observe({ ...outcome, key: "alice", cache: "exact" });
    metrics.observe({ ...outcome, status: "budget_exhausted", provider: "", model: "" });
    const text = metrics.render();
    expect(text).toContain('status="ok",cache="exact",key="alice"} 1\n');
    expect(text).toContain('llmgw_cost_usd_total{provider="local",model="llama",key="alice"} 0.5\n');
    expect(text).toContain('llmgw_refusals_total{reason="budget_exhausted"} 1\n');
  });

  it("escapes label values so a model name cannot break the format", () => {
    const metrics = new RequestMetrics();
    metrics.observe({ ...outcome, model: 'we"ird\\name\nx' });
    expect(metrics.render()).toContain('model="we\\"ird\\\\name\\nx"');
  });
});
