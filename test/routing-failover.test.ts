import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { ledgerEntries } from "./harness/observe.ts";
import { failure, type Sender, senders, WAYS, type Way } from "./harness/routed-senders.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Routing that survives failure, end to end: a model with two deployments on two real mock upstreams
 * (`a` first, `b` as its fallback tier), each fault injected into `a` only, and every case run four ways
 * (REST through the `openai` SDK and RPC through connect-node, unary and streamed). The caller sees a
 * success served by `b` with the attempts in its metadata, or, once a stream has started, an explicit
 * terminal error; the ledger row says what happened.
 */

let gw: TestGateway;
let a: MockUpstream;
let b: MockUpstream;
let send: Record<Way, Sender>;

/** A port nothing listens on: connection refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  a = await startMockUpstream();
  const dead = await closedPort();
  gw = await startTestGateway({
    config: (bUrl) => ({
      providers: [
        { name: "a", base_url: `${a.url}/v1`, models: ["mock-small"], discover: false },
        { name: "b", base_url: `${bUrl}/v1`, models: ["mock-small"], discover: false },
        { name: "dead", base_url: `http://127.0.0.1:${dead}/v1`, models: ["mock-small"], discover: false },
      ],
      routing: {
        retry: { max_attempts: 3, base_delay_ms: 5, max_delay_ms: 20 },
        breaker: { enabled: false },
        health: { probe_interval_ms: 0 },
        models: [
          {
            name: "chat",
            deployments: [
              { id: "a", provider: "a", model: "mock-small", priority: 0, timeouts: { ttft_ms: 400 } },
              { id: "b", provider: "b", model: "mock-small", priority: 1 },
            ],
          },
          {
            name: "chat-refused",
            deployments: [
              { id: "dead", provider: "dead", model: "mock-small", priority: 0 },
              { id: "b-after-dead", provider: "b", model: "mock-small", priority: 1 },
            ],
          },
        ],
      },
    }),
  });
  b = gw.mock;
  send = senders(gw);
});

afterAll(async () => {
  await gw?.close();
  await a?.close();
});

afterEach(() => {
  a.reset();
  b.reset();
});

async function lastRow() {
  const rows = await ledgerEntries(gw);
  return rows[rows.length - 1];
}

describe.each(WAYS)("failover over %s", (way) => {
  const served = async (model = "chat") => {
    const answer = await send[way](model, "Hello there, mock upstream!");
    expect(answer.text.length).toBeGreaterThan(0);
    return answer;
  };

  it.each([
    ["a 500", { status: 500 }],
    ["a 503", { status: 503 }],
    ["a 429 with Retry-After", { status: 429, retryAfter: 1 }],
    ["a connection reset", { reset: true }],
  ])("retries %s on the other deployment, and the caller sees success", async (_name, behaviour) => {
    a.setBehaviour(behaviour);
    const answer = await served();
    expect(answer.meta).toMatchObject({ attempts: 2, fallback_used: true, deployment: "b" });
    expect(a.requests.length).toBe(1);
    expect(b.requests.length).toBe(1);
    expect(await lastRow()).toMatchObject({ status: "ok", attempts: 2, deployment: "b", provider: "b" });
  });

  it("falls back when the first deployment refuses the connection", async () => {
    const answer = await served("chat-refused");
    expect(answer.meta).toMatchObject({ attempts: 2, fallback_used: true, deployment: "b-after-dead" });
    expect(await lastRow()).toMatchObject({ status: "ok", attempts: 2, deployment: "b-after-dead" });
  });

  it("gives up on a first token slower than the deployment's ttft timeout, and falls back", async () => {
    a.setBehaviour({ ttftMs: 3_000 });
    const started = performance.now();
    const answer = await served();
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(answer.meta).toMatchObject({ attempts: 2, fallback_used: true, deployment: "b" });
    expect(await lastRow()).toMatchObject({ status: "ok", attempts: 2, deployment: "b" });
  });

  it("answers from the first deployment when it is well, with one attempt", async () => {
    const answer = await served();
    expect(answer.meta).toMatchObject({ attempts: 1, fallback_used: false, deployment: "a" });
    expect(b.requests.length).toBe(0);
  });

  it("sends one clear error naming every deployment tried when all are down", async () => {
    a.setBehaviour({ status: 503 });
    b.setBehaviour({ status: 503 });
    const error = await failure(send[way]("chat", "Hello there, mock upstream!"));
    expect(error.status).toBe(way.startsWith("rest") ? 503 : "Unavailable");
    expect(error.message).toContain('every deployment of "chat" failed');
    expect(error.message).toMatch(/\ba \(upstream_unavailable: .*\bb \(upstream_unavailable: /);
    expect(await lastRow()).toMatchObject({ status: "upstream_unavailable", attempts: 3 });
  });
});

describe.each(["rest-stream", "rpc-stream"] as const)("a drop mid-stream over %s", (way) => {
  it("ends the stream with an explicit terminal error, after the text already sent, and is not retried", async () => {
    a.setBehaviour({ dropAfter: 3, itlMs: 20 });
    const error = await failure(send[way]("chat", "Hello there, mock upstream!"));
    expect(error.textBefore.length).toBeGreaterThan(0);
    // Over SSE the error is an event after the 200, so the SDK sees no HTTP status, only the event's error.
    expect(error.status).toBe(way === "rest-stream" ? 0 : "Unavailable");
    expect(error.message).toMatch(/upstream a closed the connection early/);
    expect(b.requests.length).toBe(0);
    expect(await lastRow()).toMatchObject({ status: "upstream_error", attempts: 1, deployment: "a" });
  });
});

describe.each(["rest-unary", "rpc-unary"] as const)("a drop before any byte over %s", (way) => {
  it("is retried on the other deployment", async () => {
    a.setBehaviour({ dropAfter: 0 });
    const answer = await send[way]("chat", "Hello there, mock upstream!");
    expect(answer.meta).toMatchObject({ attempts: 2, deployment: "b" });
  });
});
