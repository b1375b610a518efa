import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELLO } from "./harness/openai-client.ts";
import { type Sample, samples, sampleValue, scrape } from "./harness/scrape.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The overhead histogram takes the upstream's time out: a real gateway in
 * front of the mock made slow on purpose (150 ms to its first byte, and 20 ms
 * between a stream's 16 tokens) observes overhead smaller than each call's
 * time by at least what the mock spent, for a unary call and for a stream
 * (whose overhead stops at its first token).
 */

// Long enough that a cold first call on a loaded 2-core machine still spends less in the gateway.
const TTFT_MS = 400;
const ITL_MS = 20;
let gw: TestGateway;
let all: Sample[];

type Params = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

beforeAll(async () => {
  gw = await startTestGateway();
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
  // Unknown body fields travel upstream: the mock's `mock` controls slow it down.
  await client.chat.completions.create({
    model: "mock-small",
    messages: HELLO,
    mock: { ttft_ms: TTFT_MS },
  } as Params);
  const stream = await client.chat.completions.create({
    model: "mock-small",
    messages: HELLO,
    stream: true,
    mock: { ttft_ms: TTFT_MS, itl_ms: ITL_MS },
  } as unknown as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
  for await (const _ of stream);
  all = samples(await scrape(gw));
});

afterAll(async () => {
  await gw?.close();
});

const at = (name: string, labels: Record<string, string>) => sampleValue(all, name, labels) ?? Number.NaN;

describe("the overhead histogram", () => {
  it("leaves a unary call's upstream time out", () => {
    const overhead = at("llmgw_gateway_overhead_seconds_sum", { surface: "openai", mode: "unary" });
    expect(at("llmgw_gateway_overhead_seconds_count", { surface: "openai", mode: "unary" })).toBe(1);
    expect(overhead).toBeGreaterThan(0);
    expect(overhead).toBeLessThan(TTFT_MS / 1000);
  });

  it("measures a stream to its first token, less the upstream's time to it", () => {
    const overhead = at("llmgw_gateway_overhead_seconds_sum", { surface: "openai", mode: "stream" });
    expect(at("llmgw_gateway_overhead_seconds_count", { surface: "openai", mode: "stream" })).toBe(1);
    expect(overhead).toBeGreaterThan(0);
    expect(overhead).toBeLessThan(TTFT_MS / 1000);
    // Both calls together took at least the upstream's delays; none of that is overhead.
    const duration = at("llmgw_request_duration_seconds_sum", { provider: "mock", model: "mock-small" });
    expect(duration).toBeGreaterThanOrEqual((2 * TTFT_MS + 15 * ITL_MS) / 1000);
  });
});
