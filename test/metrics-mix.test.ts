import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { HELLO } from "./harness/openai-client.ts";
import { promtoolCheckMetrics, type Sample, samples, sampleValue, scrape } from "./harness/scrape.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The metrics after a scripted mix, end to end: a real gateway in front of
 * two mock upstreams (`mock` answers, `flaky` always answers 429), driven by
 * the `openai` SDK (its own retries off, so every retry is the gateway's).
 * Each family's value is asserted, and `promtool check metrics` passes on
 * the scrape. The mock's counts are deterministic: HELLO is 4 prompt tokens
 * and every answer 16 completion tokens; `mock-small` is priced so that one
 * answer costs 4 × $0.001 + 16 × $0.002 = $0.036.
 *
 * The cache is on for one key only (`carol`), whose same request twice is
 * a miss and then an exact hit; every other key bypasses it, so the rest of
 * the mix goes upstream as scripted.
 */

const ALICE = "sk-metrics-alice-0123456789";
const POOR = "sk-metrics-poor-0123456789";
const CAROL = "sk-metrics-carol-0123456789";
const PRICED = [{ id: "mock-small", pricing: { input: 1_000, output: 2_000 } }];

let gw: TestGateway;
let flaky: MockUpstream;
let all: Sample[];
let text: string;

const client = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });

/** Runs a call that must fail, returning the HTTP status the SDK saw. */
async function refused(run: () => Promise<unknown>): Promise<number> {
  try {
    await run();
  } catch (error) {
    return (error as { status: number }).status;
  }
  throw new Error("the call was not refused");
}

beforeAll(async () => {
  // The mix's spend is one UTC day's (budgets.time_zone defaults to UTC): stay clear of midnight.
  await freshWindow(86_400_000, 10_000);
  flaky = await startMockUpstream({ behaviour: { status: 429 } });
  gw = await startTestGateway({
    config: (mockUrl) => ({
      keys: [
        { name: "alice", key: ALICE },
        { name: "poor", key: POOR },
        { name: "carol", key: CAROL },
      ],
      cache: { bypass: { keys: ["alice", "poor"] } },
      providers: [
        { name: "mock", base_url: `${mockUrl}/v1`, models: PRICED, discover: false },
        { name: "flaky", base_url: `${flaky.url}/v1`, models: PRICED, discover: false },
      ],
      routing: {
        retry: { max_attempts: 2, base_delay_ms: 1, max_delay_ms: 5 },
        breaker: { enabled: false },
        health: { probe_interval_ms: 0 },
        models: [
          {
            name: "chat",
            deployments: [
              { id: "flaky-first", provider: "flaky", model: "mock-small", priority: 0 },
              { id: "mock-second", provider: "mock", model: "mock-small", priority: 1 },
            ],
          },
          {
            name: "flaky-only",
            deployments: [{ id: "flaky-alone", provider: "flaky", model: "mock-small" }],
          },
        ],
      },
      budgets: { global: [{ usd: 100, period: "day" }], keys: { poor: [{ usd: 0.0001, period: "day" }] } },
      guards: { secrets: { action: "block" } },
    }),
  });
  const alice = client(ALICE);
  // 1. A unary success.
  await alice.chat.completions.create({ model: "mock-small", messages: HELLO });
  // 2. A stream.
  const stream = await alice.chat.completions.create({
    model: "mock-small",
    messages: HELLO,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const _ of stream);
  // 3. An upstream 429, retried on the fallback deployment, which answers.
  await alice.chat.completions.create({ model: "chat", messages: HELLO });
  // 4. An upstream 429 retried on the same deployment, which 429s again.
  expect(await refused(() => alice.chat.completions.create({ model: "flaky-only", messages: HELLO }))).toBe(
    429,
  );
  // 5. A budget refusal.
  expect(
    await refused(() => client(POOR).chat.completions.create({ model: "mock-small", messages: HELLO })),
  ).toBe(429);
  // 6. A guard block.
  expect(
    await refused(() =>
      alice.chat.completions.create({
        model: "mock-small",
        messages: [{ role: "user", content: "deploy with AKIAIOSFODNN7EXAMPLE" }],
      }),
    ),
  ).toBe(403);
  // 7. A model nobody configured, which the first provider serves as named.
  await alice.chat.completions.create({ model: "made-up-model", messages: HELLO });
  // 8. A cache miss, then the same request answered from the cache.
  const carol = client(CAROL);
  await carol.chat.completions.create({ model: "mock-small", messages: HELLO, temperature: 0 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  await carol.chat.completions.create({ model: "mock-small", messages: HELLO, temperature: 0 });
  text = await scrape(gw);
  all = samples(text);
});

afterAll(async () => {
  await gw?.close();
  await flaky?.close();
});

const at = (name: string, labels: Record<string, string> = {}) => sampleValue(all, name, labels);
const mock = { provider: "mock", model: "mock-small" };
const flakyModel = { provider: "flaky", model: "mock-small" };

describe("/metrics after a scripted mix", () => {
  it("counts requests by surface, provider, model, status and cache", () => {
    const requests = (labels: Record<string, string>) =>
      at("llmgw_requests_total", { surface: "openai", cache: "none", ...labels });
    expect(requests({ ...mock, status: "ok" })).toBe(4);
    // The hit was served by no deployment.
    expect(
      at("llmgw_requests_total", {
        surface: "openai",
        provider: "",
        model: "",
        status: "ok",
        cache: "exact",
      }),
    ).toBe(1);
    expect(requests({ ...flakyModel, status: "upstream_rate_limited" })).toBe(1);
    expect(requests({ provider: "", model: "", status: "budget_exhausted" })).toBe(1);
    expect(requests({ provider: "", model: "", status: "guardrail_blocked" })).toBe(1);
    // The model nobody configured is counted, but its name never became a label.
    expect(requests({ provider: "mock", model: "other", status: "ok" })).toBe(1);
    expect(text).not.toContain("made-up-model");
  });

  it("counts tokens by kind and cost in USD", () => {
    // Four answers came from the upstream; the cache hit consumed none of its tokens.
    expect(at("llmgw_tokens_total", { ...mock, kind: "prompt" })).toBe(16);
    expect(at("llmgw_tokens_total", { ...mock, kind: "completion" })).toBe(64);
    expect(at("llmgw_tokens_total", { ...mock, kind: "cached" })).toBe(0);
    expect(at("llmgw_tokens_total", { ...mock, kind: "reasoning" })).toBe(0);
    expect(at("llmgw_cost_usd_total", mock)).toBeCloseTo(0.144, 9);
    expect(at("llmgw_cost_usd_total", flakyModel)).toBe(0);
  });

  it("counts the cache's hit, miss, bypasses, entries and the cost it saved", () => {
    const model = { model: "mock-small" };
    expect(at("llmgw_cache_hits_total", { kind: "exact", ...model })).toBe(1);
    expect(at("llmgw_cache_misses_total", { kind: "exact", ...model })).toBe(1);
    // Every call of the keys that bypass the cache and reached it (the guard refused one before).
    expect(at("llmgw_cache_bypasses_total", model)).toBe(5);
    expect(at("llmgw_cache_bypasses_total", { model: "other" })).toBe(1);
    expect(at("llmgw_cache_cost_saved_usd_total", { kind: "exact" })).toBeCloseTo(0.036, 9);
    expect(at("llmgw_cache_entries", { kind: "exact" })).toBe(1);
    expect(at("llmgw_cache_lookup_seconds_count", { kind: "exact" })).toBe(2);
  });

  it("counts the retry and the fallback", () => {
    expect(at("llmgw_fallbacks_total", mock)).toBe(1);
    expect(at("llmgw_retries_total", mock)).toBe(0);
    expect(at("llmgw_retries_total", flakyModel)).toBe(1);
    expect(at("llmgw_fallbacks_total", flakyModel)).toBe(0);
  });

  it("counts refusals and guard verdicts", () => {
    expect(at("llmgw_refusals_total", { reason: "budget_exhausted" })).toBe(1);
    expect(at("llmgw_refusals_total", { reason: "rate_limited" })).toBe(0);
    // $0.144 of the global $100 a day settled (the unpriced model, the failures and the hit cost nothing).
    expect(
      at("llmgw_budget_spend_ratio", { level: "global", name: "", unit: "usd", period: "day" }),
    ).toBeCloseTo(0.00144, 9);
    expect(
      at("llmgw_guard_verdicts_total", {
        rule: "secrets",
        type: "aws_access_key",
        action: "block",
        where: "user",
      }),
    ).toBe(1);
    expect(at("llmgw_auth_failures_total")).toBe(0);
  });

  it("observes latency, time to first token, inter-token latency and tokens per second", () => {
    expect(at("llmgw_request_duration_seconds_count", mock)).toBe(4);
    expect(at("llmgw_time_to_first_token_seconds_count", mock)).toBe(4);
    expect(at("llmgw_inter_token_latency_seconds_count", mock)).toBe(1);
    expect(at("llmgw_tokens_per_second_count", mock)).toBe(4);
    // Every request is in the duration histogram, the refusals and the hit under no provider.
    expect(at("llmgw_request_duration_seconds_count", { provider: "", model: "" })).toBe(3);
    expect(at("llmgw_request_duration_seconds_count", flakyModel)).toBe(1);
  });

  it("observes the gateway's overhead on every request, less than the requests' own time", () => {
    const unary = { surface: "openai", mode: "unary" };
    const stream = { surface: "openai", mode: "stream" };
    expect(at("llmgw_gateway_overhead_seconds_count", unary)).toBe(8);
    expect(at("llmgw_gateway_overhead_seconds_count", stream)).toBe(1);
    const overhead =
      (at("llmgw_gateway_overhead_seconds_sum", unary) ?? 0) +
      (at("llmgw_gateway_overhead_seconds_sum", stream) ?? 0);
    const duration = all
      .filter((s) => s.name === "llmgw_request_duration_seconds_sum")
      .reduce((sum, s) => sum + s.value, 0);
    expect(overhead).toBeGreaterThan(0);
    expect(overhead).toBeLessThan(duration);
  });

  it("reports deployments, state stores and the sinks", () => {
    expect(at("llmgw_deployment_in_flight", { deployment: "mock-second", provider: "mock" })).toBe(0);
    expect(at("llmgw_deployment_healthy", { deployment: "flaky-alone", provider: "flaky" })).toBe(1);
    expect(at("llmgw_state_degraded", { store: "budgets" })).toBe(0);
    expect(at("llmgw_sink_dropped_records_total", { sink: "ledger" })).toBe(0);
    expect(at("llmgw_sink_write_failures_total", { sink: "ledger" })).toBe(0);
  });

  it("passes promtool check metrics, but for prom-client's own process gauges", () => {
    const { output } = promtoolCheckMetrics(text);
    // prom-client names three gauges `_total`; every name the gateway chooses passes the lint.
    const problems = output
      .split("\n")
      .filter((line) => line !== "")
      .filter((line) => !/^llmgw_nodejs_active_(handles|requests|resources)_total non-counter/.test(line));
    expect(problems).toEqual([]);
  });
});
