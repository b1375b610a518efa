import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI, { RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { ChatService, Role } from "../gen/llmgw/v1/chat_pb.js";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import { freshWindow } from "./harness/fresh-window.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { requestCount } from "./harness/observe.ts";
import { failure, HELLO, openaiClient } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * Rate limits end to end: a real gateway with `limits:` in front of the mock
 * upstream, driven by the `openai` SDK over REST and connect-node over RPC.
 * Windows are fixed and aligned to the epoch, so a test that must stay in
 * one window first waits for one with enough time left in it.
 */

/** Keys, each with its own limits, so the cases do not share counters. */
const KEYS = {
  rest: "sk-limits-rest-0001",
  connect: "sk-limits-connect-0001",
  grpc: "sk-limits-grpc-0001",
  tpm: "sk-limits-tpm-0001",
  stream: "sk-limits-stream-0001",
  retry: "sk-limits-retry-0001",
  burst: "sk-limits-burst-0001",
  inflight: "sk-limits-inflight-0001",
} as const;

const MINUTE = 60_000;
const N = 5;

const config = {
  keys: Object.entries(KEYS).map(([name, key]) => ({ name, key })),
  limits: {
    keys: {
      rest: [{ requests: N, window: "1m" }],
      connect: [{ requests: N, window: "1m" }],
      grpc: [{ requests: N, window: "1m" }],
      tpm: [{ tokens: 100, window: "1m" }],
      stream: [{ requests: 10, tokens: 1000, window: "1m" }],
      retry: [{ requests: 1, window: "2s" }],
      burst: [{ requests: 100, window: "1h" }],
      inflight: [{ concurrent: 100 }],
    },
  },
};

/** ms until the current window of `windowMs` ends. */
function windowLeft(windowMs: number): number {
  return windowMs - (Date.now() % windowMs);
}

/** A Go duration as OpenAI's reset headers write it ("12ms", "1.5s", "6m0s", "1h2m3s"), in ms. */
function durationMs(value: string | null): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)s)?$|^(\d+)ms$/.exec(value ?? "");
  if (match === null) throw new Error(`not a duration: ${value}`);
  if (match[4] !== undefined) return Number(match[4]);
  return Number(match[1] ?? 0) * 3_600_000 + Number(match[2] ?? 0) * 60_000 + Number(match[3] ?? 0) * 1000;
}

function limitHeaders(headers: Headers, kind: "requests" | "tokens") {
  return {
    limit: headers.get(`x-ratelimit-limit-${kind}`),
    remaining: headers.get(`x-ratelimit-remaining-${kind}`),
    resetMs: durationMs(headers.get(`x-ratelimit-reset-${kind}`)),
  };
}

const chat = { model: "mock-small", messages: HELLO } as const;

function rpcChat(text: string) {
  return {
    chat: {
      model: "mock-small",
      messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: text } }] }],
    },
  };
}

describe("rate limits", () => {
  let gw: TestGateway;
  useTestGateway({ config }, (started) => {
    gw = started;
  });

  it("over REST: N requests a minute pass, the next is a 429 with Retry-After, and the headers follow the counter", async () => {
    await freshWindow(MINUTE, 5_000);
    const openai = openaiClient(gw, KEYS.rest);
    for (let i = 1; i <= N; i++) {
      const { response } = await openai.chat.completions.create(chat).withResponse();
      const requests = limitHeaders(response.headers, "requests");
      expect(requests).toMatchObject({ limit: String(N), remaining: String(N - i) });
      // The reset is the end of the current minute, as the limiter counts it.
      expect(Math.abs(requests.resetMs - windowLeft(MINUTE))).toBeLessThan(1_000);
      expect(response.headers.get("x-ratelimit-limit-tokens")).toBeNull();
    }
    const error = await failure(openai.chat.completions.create(chat));
    expect(error).toBeInstanceOf(RateLimitError);
    const refused = error as RateLimitError;
    expect(refused.status).toBe(429);
    expect(refused.message).toContain('key "rest" allows 5 requests per 1m');
    expect((refused.error as { type?: string }).type).toBe("rate_limit_error");
    const retryAfter = Number(refused.headers?.get("retry-after"));
    // The window's end, in whole seconds as the gateway saw it: a second may have passed since.
    const left = Math.ceil(windowLeft(MINUTE) / 1000);
    expect([left, left + 1]).toContain(retryAfter);
    expect(limitHeaders(refused.headers as Headers, "requests")).toMatchObject({
      limit: String(N),
      remaining: "0",
    });
    expect(await requestCount(gw, "openai", "rate_limited")).toBeGreaterThanOrEqual(1);
  });

  for (const [name, transport, key] of [
    ["Connect", (baseUrl: string) => createConnectTransport({ baseUrl, httpVersion: "1.1" }), KEYS.connect],
    ["gRPC", (baseUrl: string) => createGrpcTransport({ baseUrl }), KEYS.grpc],
  ] as const) {
    it(`over RPC (${name}): N requests a minute pass, the next is ResourceExhausted with the delay in its ErrorDetail`, async () => {
      await freshWindow(MINUTE, 5_000);
      const client = createClient(ChatService, transport(gw.url));
      const headers = { authorization: `Bearer ${key}` };
      for (let i = 1; i <= N; i++) {
        let remaining: string | null = null;
        await client.complete(rpcChat("hi"), {
          headers,
          onHeader: (h) => {
            remaining = h.get("x-ratelimit-remaining-requests");
          },
        });
        expect(remaining).toBe(String(N - i));
      }
      const error = await client.complete(rpcChat("hi"), { headers }).then(
        () => {
          throw new Error("expected ResourceExhausted");
        },
        (e: unknown) => ConnectError.from(e),
      );
      expect(error.code).toBe(Code.ResourceExhausted);
      const [detail] = error.findDetails(ErrorDetailSchema);
      expect(detail?.code).toBe("rate_limited");
      expect(detail?.retryable).toBe(true);
      const retryAfterMs = Number(detail?.retryAfterMs);
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(Math.abs(retryAfterMs - windowLeft(MINUTE))).toBeLessThan(1_000);
      expect(error.metadata.get("x-ratelimit-remaining-requests")).toBe("0");
    });
  }

  it("limits tokens: the reservation is corrected by the real usage, and the token headers show it", async () => {
    await freshWindow(MINUTE, 5_000);
    const openai = openaiClient(gw, KEYS.tpm);
    // The gateway reserves its prompt estimate (14) + max_tokens (16) = 30; the mock spends 4 + 16 = 20.
    const body = { ...chat, max_tokens: 16 };
    for (let i = 1; i <= 4; i++) {
      const { data, response } = await openai.chat.completions.create(body).withResponse();
      expect(data.usage?.total_tokens).toBe(20);
      const tokens = limitHeaders(response.headers, "tokens");
      expect(tokens).toMatchObject({ limit: "100", remaining: String(100 - 20 * i) });
      expect(Math.abs(tokens.resetMs - windowLeft(MINUTE))).toBeLessThan(1_000);
    }
    // 80 spent: a reservation of 30 does not fit (had the estimates stayed, the 4th would have been refused).
    const refused = (await failure(openai.chat.completions.create(body))) as RateLimitError;
    expect(refused.status).toBe(429);
    expect(refused.message).toContain('key "tpm" allows 100 tokens per 1m');
    expect(refused.headers?.get("x-ratelimit-remaining-tokens")).toBe("20");
    // One that reserves 20 (14 + 6) still fits.
    await openai.chat.completions.create({ ...chat, max_tokens: 6 });
  });

  it("a stream carries the headers as admitted, and its reservation is corrected when it ends", async () => {
    await freshWindow(MINUTE, 5_000);
    const openai = openaiClient(gw, KEYS.stream);
    const { data, response } = await openai.chat.completions
      .create({ ...chat, max_tokens: 16, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    // Sent before the first token: the reservation of 14 + 16 is taken.
    expect(limitHeaders(response.headers, "tokens")).toMatchObject({ limit: "1000", remaining: "970" });
    expect(limitHeaders(response.headers, "requests")).toMatchObject({ limit: "10", remaining: "9" });
    let total = 0;
    for await (const chunk of data) total = chunk.usage?.total_tokens ?? total;
    expect(total).toBe(20);
    const { response: after } = await openai.chat.completions
      .create({ ...chat, max_tokens: 16 })
      .withResponse();
    // 20 spent by the stream, 20 by this call.
    expect(after.headers.get("x-ratelimit-remaining-tokens")).toBe("960");
  });

  it("the openai SDK's own retry waits as long as Retry-After says, and then gets through", async () => {
    await freshWindow(2_000, 1_900);
    const sent: Array<{ at: number; status: number }> = [];
    const openai = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: KEYS.retry,
      maxRetries: 3,
      timeout: 10_000,
      fetch: async (url, init) => {
        const at = Date.now();
        const response = await fetch(url, init);
        sent.push({ at, status: response.status });
        return response;
      },
    });
    await openai.chat.completions.create(chat);
    const windowEnd = Date.now() + windowLeft(2_000);
    const completion = await openai.chat.completions.create(chat);
    expect(completion.choices[0]?.message.content).toBeTruthy();
    // One refusal, then the retry: the SDK's own backoff (0.5 s) would have been refused again.
    expect(sent.map((s) => s.status)).toEqual([200, 429, 200]);
    const [, refusedAt, retriedAt] = sent.map((s) => s.at) as [number, number, number];
    expect(retriedAt - refusedAt).toBeGreaterThanOrEqual(1_900);
    expect(retriedAt).toBeGreaterThanOrEqual(windowEnd);
  });

  it("300 requests at once against a limit of 100 a window: exactly 100 pass, 200 get 429 with Retry-After", async () => {
    await freshWindow(3_600_000, 30_000);
    const statuses = await Promise.all(
      Array.from({ length: 300 }, async () => {
        const response = await fetch(`${gw.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${KEYS.burst}` },
          body: JSON.stringify(chat),
        });
        await response.arrayBuffer();
        if (response.status === 429) expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
        return response.status;
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200);
  }, 90_000);

  it("300 requests at once against 100 in flight: exactly 100 pass, and their slots are given back", async () => {
    const send = (ttftMs: number) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEYS.inflight}` },
        body: JSON.stringify({ ...chat, mock: { ttft_ms: ttftMs } }),
      }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });
    // The upstream holds each answer long enough for all 300 to arrive while the first 100 are in flight.
    const statuses = await Promise.all(Array.from({ length: 300 }, () => send(3_000)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(200);
    const again = await Promise.all(Array.from({ length: 100 }, () => send(0)));
    expect(again.every((s) => s === 200)).toBe(true);
  });
});

describe("a global rate limit", () => {
  let gw: TestGateway;
  useTestGateway(
    {
      config: {
        keys: [
          { name: "a", key: "sk-global-a-0001" },
          { name: "b", key: "sk-global-b-0001" },
        ],
        limits: { global: [{ requests: 4, window: "1h" }] },
      },
    },
    (started) => {
      gw = started;
    },
  );

  it("counts every key's requests together", async () => {
    await freshWindow(3_600_000, 30_000);
    const a = openaiClient(gw, "sk-global-a-0001");
    const b = openaiClient(gw, "sk-global-b-0001");
    await a.chat.completions.create(chat);
    await b.chat.completions.create(chat);
    await a.chat.completions.create(chat);
    const { response } = await b.chat.completions.create(chat).withResponse();
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    for (const client of [a, b]) {
      const refused = (await failure(client.chat.completions.create(chat))) as RateLimitError;
      expect(refused.status).toBe(429);
      expect(refused.message).toContain("the gateway allows 4 requests per 1h");
    }
  }, 90_000);
});
