import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshWindow } from "./harness/fresh-window.ts";
import { HELLO } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * A cache hit and the rate limits: by default a hit still counts against
 * the key's limits (it is a request the key made); with
 * `cache.rate_limits_on_hit: false` it does not.
 */

const KEY = "sk-cache-limits-0001";
const gatewayWith = (rateLimitsOnHit: boolean) =>
  startTestGateway({
    config: {
      keys: [{ name: "limited", key: KEY }],
      limits: { keys: { limited: [{ requests: 2, window: "1m" }] } },
      cache: { rate_limits_on_hit: rateLimitsOnHit },
    },
  });

let counted: TestGateway;
let free: TestGateway;

beforeAll(async () => {
  [counted, free] = await Promise.all([gatewayWith(true), gatewayWith(false)]);
});
afterAll(async () => {
  await Promise.all([counted?.close(), free?.close()]);
});

const ask = (gw: TestGateway) =>
  new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEY, maxRetries: 0 }).chat.completions.create({
    model: "mock-small",
    messages: HELLO,
  });

describe("rate limits on a cache hit", () => {
  it("count a hit by default: the third request of a 2-per-minute key is refused with 429", async () => {
    await freshWindow(60_000, 10_000);
    await ask(counted);
    await new Promise((resolve) => setImmediate(resolve));
    const hit = await ask(counted);
    expect((hit as unknown as { "x-llmgw": { cache_hit?: boolean } })["x-llmgw"].cache_hit).toBe(true);
    await expect(ask(counted)).rejects.toMatchObject({ status: 429 });
    expect(counted.mock.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("do not count a hit with rate_limits_on_hit: false", async () => {
    await ask(free);
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 4; i++) await ask(free);
    expect(free.mock.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });
});
