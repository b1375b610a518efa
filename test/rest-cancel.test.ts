import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * When the caller goes away, the gateway aborts the upstream request at once:
 * the upstream is a paid call or a busy GPU. The mock records each request it
 * saw cut short by its client (the gateway) and `waitForAbort` reports it.
 */

const hello: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: "user", content: "Hello there, mock upstream!" },
];

/** A long, slow stream: 200 tokens 50 ms apart (10 s), far longer than any test waits. */
const slowStream = {
  model: "mock-small",
  messages: hello,
  stream: true,
  mock: { itl_ms: 50, tokens: 200 },
} as OpenAI.Chat.ChatCompletionCreateParamsStreaming;

let gw: TestGateway;
let openai: OpenAI;

beforeAll(async () => {
  gw = await startTestGateway();
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "sk-unused", maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.mock.reset();
});

/** Resolves once the mock has received `n` requests (the gateway has forwarded the call). */
async function upstreamReceived(n = 1, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (gw.mock.requests.length < n) {
    if (Date.now() > deadline) throw new Error(`the mock received no request within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function expectServing(): Promise<void> {
  const completion = await openai.chat.completions.create({ model: "mock-small", messages: hello });
  expect(completion.choices[0]?.finish_reason).toBe("stop");
}

describe("cancelling a streamed completion", () => {
  it("aborts the upstream request when the SDK stream's controller is aborted", async () => {
    const stream = await openai.chat.completions.create(slowStream);
    const received: string[] = [];
    // The SDK ends the iteration quietly once its own controller aborts.
    for await (const chunk of stream) {
      received.push(chunk.choices[0]?.delta.content ?? "");
      if (received.length === 3) stream.controller.abort();
    }
    expect(received.length).toBeLessThan(10);
    expect(received.join("")).toMatch(/^lorem ipsum/);

    const startedAt = Date.now();
    const aborted = await gw.mock.waitForAbort(3000);
    expect(aborted).toMatchObject({ path: "/v1/chat/completions", aborted: true, completed: false });
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect((aborted.body as { stream: boolean }).stream).toBe(true);
    await expectServing();
  });

  it("aborts the upstream request when the caller's AbortSignal fires", async () => {
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(slowStream, { signal: controller.signal });
    let chunks = 0;
    for await (const _ of stream) {
      if (++chunks === 2) controller.abort();
    }
    expect(chunks).toBeLessThan(10);
    expect((await gw.mock.waitForAbort(3000)).aborted).toBe(true);
  });

  it("aborts the upstream request when the caller breaks out of the stream", async () => {
    const stream = await openai.chat.completions.create(slowStream);
    let chunks = 0;
    for await (const _ of stream) {
      if (++chunks === 2) break;
    }
    expect((await gw.mock.waitForAbort(3000)).aborted).toBe(true);
    await expectServing();
  });

  it("aborts the upstream request when the client is cancelled before the first byte", async () => {
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...slowStream, mock: { ttft_ms: 2000 } }),
      signal: controller.signal,
    });
    await upstreamReceived();
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect((await gw.mock.waitForAbort(1500)).aborted).toBe(true);
  });
});

describe("accounting a cancelled call", () => {
  it("records a cancelled stream in /v1/usage as a request that failed", async () => {
    const before = await totals();
    const stream = await openai.chat.completions.create(slowStream);
    let chunks = 0;
    for await (const _ of stream) {
      if (++chunks === 2) break;
    }
    await gw.mock.waitForAbort(3000);
    // The ledger entry is written as the gateway unwinds the stream; give it a moment.
    const deadline = Date.now() + 2000;
    let after = await totals();
    while (after.requests === before.requests && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await totals();
    }
    expect(after.requests - before.requests).toBe(1);
    expect(after.errors - before.errors).toBe(1);
  });
});

/** Requests and errors for mock-small across the ledger. */
async function totals(): Promise<{ requests: number; errors: number }> {
  const res = await fetch(`${gw.url}/v1/usage?model=mock-small&end=${Math.ceil(Date.now() / 1000) + 60}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: Array<{ requests: number; errors: number }> };
  return body.data.reduce((t, r) => ({ requests: t.requests + r.requests, errors: t.errors + r.errors }), {
    requests: 0,
    errors: 0,
  });
}

describe("cancelling a non-streamed completion", () => {
  it("aborts the upstream request when a raw fetch is aborted while the upstream thinks", async () => {
    const controller = new AbortController();
    const startedAt = Date.now();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-small", messages: hello, mock: { ttft_ms: 2000 } }),
      signal: controller.signal,
    });
    await upstreamReceived();
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);

    const aborted = await gw.mock.waitForAbort(3000);
    expect(aborted).toMatchObject({ path: "/v1/chat/completions", aborted: true, completed: false });
    // Had the abort not reached the upstream, the mock would have answered at 2000 ms, not aborted.
    expect(Date.now() - startedAt).toBeLessThan(1500);
    await expectServing();
  });

  it("aborts the upstream request when an SDK call's AbortSignal fires", async () => {
    const controller = new AbortController();
    const pending = openai.chat.completions.create(
      {
        model: "mock-small",
        messages: hello,
        mock: { ttft_ms: 2000 },
      } as OpenAI.Chat.ChatCompletionCreateParams,
      { signal: controller.signal },
    );
    await upstreamReceived();
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    expect((await gw.mock.waitForAbort(1500)).aborted).toBe(true);
  });
});
