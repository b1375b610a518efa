import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, HELLO, openaiClient, requestBuilders } from "./harness/openai-client.ts";
import { type OtlpCollector, startOtlpCollector } from "./harness/otlp-collector.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

const { chat, streamed } = requestBuilders("mock-small");
const CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN = "b7ad6b7169203331";

let collector: OtlpCollector;
let gw: TestGateway;

beforeAll(async () => {
  collector = await startOtlpCollector();
  gw = await startTestGateway({
    config: {
      keys: [{ key: "sk-trace-secret", name: "tracer", team: "obs" }],
      telemetry: { otlp: { endpoint: collector.url, service_name: "llmgw-test", batch_delay_ms: 20 } },
      routing: { retry: { base_delay_ms: 0, max_delay_ms: 0, max_retry_after_ms: 0 } },
      passthrough: { routes: [{ api: "openai", allow_private: true }] },
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await collector?.close();
});

const client = () => openaiClient(gw, "sk-trace-secret");

describe("OpenTelemetry traces over OTLP/HTTP", () => {
  it("continues the caller's traceparent: one request span with GenAI attributes and an attempt child, whose traceparent reaches the upstream", async () => {
    const answer = await client().chat.completions.create(chat({ messages: HELLO }), {
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, "x-request-id": "trace-unary" },
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();

    const spans = await collector.waitFor((s) => s.traceId === CALLER_TRACE, 2);
    const request = spans.find((s) => s.kind === 2) as (typeof spans)[number];
    const attempt = spans.find((s) => s.kind === 3) as (typeof spans)[number];
    expect(request.service).toBe("llmgw-test");
    expect(request.name).toBe("chat mock-small");
    expect(request.parentSpanId).toBe(CALLER_SPAN);
    expect(request.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "mock",
      "gen_ai.request.model": "mock-small",
      "gen_ai.response.model": answer.model,
      "gen_ai.usage.input_tokens": answer.usage?.prompt_tokens,
      "gen_ai.usage.output_tokens": answer.usage?.completion_tokens,
      "gen_ai.response.finish_reasons": ["stop"],
      "llmgw.request_id": "trace-unary",
      "llmgw.deployment": "mock:mock-small",
      "llmgw.attempts": 1,
      "llmgw.key.name": "tracer",
      "llmgw.key.team": "obs",
      "llmgw.cache.hit": false,
      "llmgw.status": "ok",
    });
    // The key's name, never the key, and no content unless asked for.
    expect(JSON.stringify(spans, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      "sk-trace-secret",
    );
    expect(request.attributes["gen_ai.input.messages"]).toBeUndefined();

    expect(attempt.parentSpanId).toBe(request.spanId);
    expect(attempt.name).toBe("attempt mock:mock-small");
    expect(attempt.attributes).toMatchObject({ "llmgw.attempt": 1, "gen_ai.provider.name": "mock" });
    expect(attempt.startNs >= request.startNs && attempt.endNs <= request.endNs).toBe(true);

    const upstream = gw.mock.requests.find((r) => r.headers["x-request-id"] === "trace-unary");
    expect(upstream?.headers.traceparent).toBe(`00-${CALLER_TRACE}-${attempt.spanId}-01`);
  });

  it("starts a new trace without a traceparent and marks a stream's first token with an event", async () => {
    const chunks = await collect(
      await client().chat.completions.create(streamed({ messages: HELLO }, { tokens: 5, ttft_ms: 30 }), {
        headers: { "x-request-id": "trace-stream" },
      }),
    );
    expect(chunks.length).toBeGreaterThan(2);
    const [request] = await collector.waitFor((s) => s.attributes["llmgw.request_id"] === "trace-stream", 1);
    if (request === undefined) throw new Error("no span");
    expect(request.parentSpanId).toBe("");
    expect(request.attributes["llmgw.stream"]).toBe(true);
    expect(request.attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]);
    const first = request.events.find((e) => e.name === "gen_ai.first_token");
    expect(first).toBeDefined();
    // The first token came after the mock's 30 ms wait, and before the span ended.
    expect(Number((first?.timeNs ?? 0n) - request.startNs) / 1e6).toBeGreaterThanOrEqual(25);
    expect((first?.timeNs ?? 0n) <= request.endNs).toBe(true);
    const [attempt] = await collector.waitFor((s) => s.parentSpanId === request.spanId, 1);
    // A stream's attempt lasts as long as the stream.
    expect(Math.abs(Number((attempt?.endNs ?? 0n) - request.endNs))).toBeLessThan(1e6);
    const upstream = gw.mock.requests.find((r) => r.headers["x-request-id"] === "trace-stream");
    expect(upstream?.headers.traceparent).toBe(`00-${request.traceId}-${attempt?.spanId}-01`);
  });

  it("records every retried attempt as a failed child and the error as an event on the request span", async () => {
    await expect(
      client().chat.completions.create(chat({ messages: HELLO }, { status: 429 }), {
        headers: { "x-request-id": "trace-429" },
      }),
    ).rejects.toMatchObject({ status: 429 });
    const [request] = await collector.waitFor((s) => s.attributes["llmgw.request_id"] === "trace-429", 1);
    if (request === undefined) throw new Error("no span");
    expect(request.status.code).toBe(2);
    expect(request.attributes["error.type"]).toBe("upstream_rate_limited");
    expect(request.attributes["llmgw.attempts"]).toBe(3);
    expect(request.events.map((e) => e.name)).toContain("exception");
    const attempts = await collector.waitFor((s) => s.parentSpanId === request.spanId, 3);
    expect(attempts.map((a) => a.attributes["llmgw.attempt"]).sort()).toEqual([1, 2, 3]);
    for (const attempt of attempts) {
      expect(attempt.status.code).toBe(2);
      expect(attempt.attributes["error.type"]).toBe("upstream_rate_limited");
    }
  });

  it("traces a refusal before routing too, with no attempt", async () => {
    await expect(
      openaiClient(gw, "sk-wrong").chat.completions.create(chat({ messages: HELLO }), {
        headers: { "x-request-id": "trace-refused" },
      }),
    ).rejects.toMatchObject({ status: 401 });
    const [request] = await collector.waitFor((s) => s.attributes["llmgw.request_id"] === "trace-refused", 1);
    expect(request?.attributes["error.type"]).toBe("unauthenticated");
    expect(collector.spans.some((s) => s.parentSpanId === request?.spanId)).toBe(false);
  });

  it("sends the attempt's traceparent on a pass-through request, in place of the caller's", async () => {
    const res = await fetch(`${gw.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk-trace-secret",
        "content-type": "application/json",
        "x-request-id": "trace-raw",
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      },
      body: JSON.stringify({ model: "mock-small", messages: HELLO }),
    });
    expect(res.status).toBe(200);
    await res.text();
    const [request] = await collector.waitFor((s) => s.attributes["llmgw.request_id"] === "trace-raw", 1);
    const [attempt] = await collector.waitFor((s) => s.parentSpanId === request?.spanId, 1);
    expect(request?.parentSpanId).toBe(CALLER_SPAN);
    expect(request?.attributes["llmgw.surface"]).toBe("passthrough-openai");
    const upstream = gw.mock.requests.find((r) => r.headers["x-request-id"] === "trace-raw");
    expect(upstream?.headers.traceparent).toBe(`00-${CALLER_TRACE}-${attempt?.spanId}-01`);
  });
});

describe("the cache lookup in a trace", () => {
  let cached: TestGateway;
  beforeAll(async () => {
    cached = await startTestGateway({
      config: {
        cache: {},
        telemetry: { otlp: { endpoint: collector.url, service_name: "llmgw-test", batch_delay_ms: 20 } },
      },
    });
  });
  afterAll(async () => {
    await cached?.close();
  });

  it("is a child span of the request: a miss, then an exact hit with no attempt", async () => {
    const openai = openaiClient(cached);
    const body = chat({ messages: [{ role: "user", content: "trace my cache lookup" }], temperature: 0 });
    await openai.chat.completions.create(body, { headers: { "x-request-id": "trace-cache-miss" } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await openai.chat.completions.create(body, { headers: { "x-request-id": "trace-cache-hit" } });
    for (const [id, result, attempts] of [
      ["trace-cache-miss", "miss", 1],
      ["trace-cache-hit", "exact", 0],
    ] as const) {
      const [request] = await collector.waitFor((s) => s.attributes["llmgw.request_id"] === id, 1);
      if (request === undefined) throw new Error(`no span for ${id}`);
      const children = await collector.waitFor((s) => s.parentSpanId === request.spanId, 1 + attempts);
      const lookup = children.find((s) => s.name === "cache lookup");
      expect(lookup?.attributes["llmgw.cache.result"]).toBe(result);
      expect(children.filter((s) => s.name.startsWith("attempt "))).toHaveLength(attempts);
    }
  });
});
