import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from "node:http2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ledgerRows, requestCount } from "./harness/observe.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * A REST caller over HTTP/2 (h2c) that resets its stream (RST_STREAM) or
 * drops its connection has gone away just as surely as an HTTP/1.1 caller
 * that closes its socket: the gateway must abort the upstream call at once,
 * account it as failed, release its pool connection and not hold up shutdown.
 * Node's compat layer reports a reset response as "finished", so these run
 * over a real h2c connection with node:http2.
 */

const hello = [{ role: "user", content: "Hello there, mock upstream!" }];
/** 200 tokens 50 ms apart (10 s): far longer than any test waits. */
const slowStream = { model: "mock-small", messages: hello, stream: true, mock: { itl_ms: 50, tokens: 200 } };
/** A unary call the upstream thinks about for 2 s before answering. */
const slowUnary = { model: "mock-small", messages: hello, mock: { ttft_ms: 2000 } };

function post(session: ClientHttp2Session, body: unknown): ClientHttp2Stream {
  const stream = session.request({
    ":method": "POST",
    ":path": "/v1/chat/completions",
    "content-type": "application/json",
  });
  stream.on("error", () => {});
  stream.end(JSON.stringify(body));
  return stream;
}

function firstData(stream: ClientHttp2Stream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once("data", () => resolve());
    stream.once("close", () => reject(new Error("the stream closed before its first byte")));
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Ledger rows for mock-small: how many requests and how many of them failed. */
async function ledger(gw: TestGateway): Promise<{ requests: number; errors: number }> {
  const rows = await ledgerRows(gw, "mock", "mock-small");
  return rows.reduce((t, r) => ({ requests: t.requests + r.requests, errors: t.errors + r.errors }), {
    requests: 0,
    errors: 0,
  });
}

describe("cancelling a REST call over HTTP/2", () => {
  let gw: TestGateway;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw.close();
  });
  beforeEach(() => {
    gw.mock.reset();
    session?.destroy();
    session = connect(gw.url);
  });

  it("aborts the upstream stream when the client resets a streamed chat", async () => {
    const before = await ledger(gw);
    const cancelledBefore = await requestCount(gw, "openai", "cancelled");
    const stream = post(session, slowStream);
    await firstData(stream);
    const started = Date.now();
    stream.close(constants.NGHTTP2_CANCEL);
    const aborted = await gw.mock.waitForAbort(3000);
    expect(aborted).toMatchObject({ path: "/v1/chat/completions", aborted: true, completed: false });
    expect(Date.now() - started).toBeLessThan(1000);
    // The handler unwinds and accounts the call as a failed request.
    await until(async () => (await ledger(gw)).requests > before.requests, "a ledger row");
    expect((await ledger(gw)).errors - before.errors).toBe(1);
    expect(await requestCount(gw, "openai", "cancelled")).toBeGreaterThan(cancelledBefore);
  });

  it("aborts the upstream call when the client resets a unary chat mid-flight", async () => {
    const before = await ledger(gw);
    const cancelledBefore = await requestCount(gw, "openai", "cancelled");
    const started = Date.now();
    const stream = post(session, slowUnary);
    await until(() => gw.mock.requests.length > 0, "the upstream request");
    stream.close(constants.NGHTTP2_CANCEL);
    const aborted = await gw.mock.waitForAbort(1500);
    expect(aborted).toMatchObject({ aborted: true, completed: false });
    // Had the reset not reached the upstream, the mock would have answered at 2000 ms.
    expect(Date.now() - started).toBeLessThan(1500);
    await until(async () => (await ledger(gw)).requests > before.requests, "a ledger row");
    expect((await ledger(gw)).errors - before.errors).toBe(1);
    expect(await requestCount(gw, "openai", "cancelled")).toBeGreaterThan(cancelledBefore);
  });

  it("aborts the upstream stream when the client drops the whole h2c connection", async () => {
    const stream = post(session, slowStream);
    await firstData(stream);
    session.destroy();
    expect((await gw.mock.waitForAbort(3000)).aborted).toBe(true);
  });
});

describe("cancelled HTTP/2 calls give their resources back", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      config: (mockUrl) => ({
        server: { shutdown_grace_ms: 3000 },
        providers: [{ name: "mock", base_url: `${mockUrl}/v1`, models: ["mock-small"], connections: 2 }],
      }),
    });
  });
  afterAll(async () => {
    await gw.mock.close();
  });

  it("keeps serving after more cancels than the provider has pool connections", async () => {
    for (let i = 0; i < 4; i++) {
      const session = connect(gw.url);
      const stream = post(session, slowStream);
      await firstData(stream);
      if (i % 2 === 0) stream.close(constants.NGHTTP2_CANCEL);
      else session.destroy();
      await gw.mock.waitForAbort(3000);
      session.destroy();
    }
    const started = Date.now();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-small", messages: hello }),
      signal: AbortSignal.timeout(3000),
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("shuts down well within the grace period after a cancelled stream", async () => {
    const session = connect(gw.url);
    const stream = post(session, slowStream);
    await firstData(stream);
    stream.close(constants.NGHTTP2_CANCEL);
    const started = Date.now();
    await gw.running.close();
    session.destroy();
    // The grace period is 3 s. A handler stuck on the reset stream held shutdown for all of
    // it, and then for the rest of the 10 s upstream stream while its pool connection closed.
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
