import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { RecordedRequest } from "../mock/index.ts";
import { queueDepth } from "./harness/deployment-gauges.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { ledgerEntries } from "./harness/observe.ts";
import {
  failure,
  type Routed,
  type RoutedFailure,
  type Sender,
  senders,
  WAYS,
  type Way,
} from "./harness/routed-senders.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * A deployment's bounded queue, end to end: one deployment with `max_concurrency: 2` and `max_queue: 3`
 * in front of a real mock upstream made slow to answer, driven through the real gateway four ways (REST
 * through the `openai` SDK, RPC through connect-node, unary and streamed). A burst is served two at a
 * time, the overflow beyond the queue is shed at once with a 429 and a Retry-After, higher priority
 * goes first, and a caller that leaves the queue never reaches the upstream.
 */

/**
 * How long the mock takes to its first byte in a burst: long enough that the burst has to queue, and
 * that its six requests all reach the gateway before the first slot frees, even on a busy box.
 */
const SLOW_MS = 400;
/** When the two requests holding the slots get their answers, so that the slots free one at a time. */
const FIRST_FREES_MS = 450;
const SECOND_FREES_MS = 600;
const DEPLOYMENT = "slow";

let gw: TestGateway;
let send: Record<Way, Sender>;

useTestGateway(
  {
    config: (url) => ({
      providers: [{ name: "mock", base_url: `${url}/v1`, models: ["mock-small"], discover: false }],
      routing: {
        retry: { max_attempts: 1 },
        breaker: { enabled: false },
        health: { probe_interval_ms: 0 },
        models: [
          {
            name: "chat",
            deployments: [
              { id: DEPLOYMENT, provider: "mock", model: "mock-small", max_concurrency: 2, max_queue: 3 },
            ],
          },
        ],
      },
    }),
  },
  (started) => {
    gw = started;
    send = senders(gw);
  },
);

beforeAll(async () => {
  // One call each way first, so that the timings below are the queue's, not a cold start's.
  for (const way of WAYS) await send[way]("chat", "warm up");
  gw.mock.reset();
});

afterEach(async () => {
  // Nothing of one test may still hold a slot when the next starts.
  await vi.waitFor(() => expect(gw.mock.active).toBe(0));
  gw.mock.reset();
});

/** A call's result and when it settled, ms after `started`. */
type Settled =
  | { readonly ok: true; readonly at: number; readonly answer: Routed }
  | { readonly ok: false; readonly at: number; readonly error: RoutedFailure };

function settled(call: Promise<Routed>, started: number): Promise<Settled> {
  return call.then(
    (answer) => ({ ok: true, at: performance.now() - started, answer }),
    async (error) => ({
      ok: false,
      at: performance.now() - started,
      error: await failure(Promise.reject(error)),
    }),
  );
}

/** The prompt of a request the mock received (a string over REST, text parts after the RPC adapter). */
function promptOf(request: RecordedRequest): string {
  const content = (request.body as { messages: { content: unknown }[] }).messages[0]?.content;
  if (typeof content === "string") return content;
  return (content as { text?: string }[]).map((part) => part.text ?? "").join("");
}

describe.each(WAYS)("a burst of six over %s", (way) => {
  it("serves 2 at once, queues 3 and serves them, and sheds 1 at once with a 429 and Retry-After", async () => {
    const rowsBefore = (await ledgerEntries(gw)).length;
    gw.mock.setBehaviour({ ttftMs: SLOW_MS });
    const started = performance.now();
    const calls = Array.from({ length: 6 }, (_, i) => settled(send[way]("chat", `burst ${i}`), started));

    // While the first two are upstream, the other three wait: the gauge says so.
    await vi.waitFor(async () => expect(await queueDepth(gw, DEPLOYMENT)).toBe(3), {
      timeout: SLOW_MS - 50,
      interval: 10,
    });
    const results = await Promise.all(calls);

    const refused = results.filter((r) => !r.ok);
    const served = results.filter((r) => r.ok);
    expect(refused).toHaveLength(1);
    expect(served).toHaveLength(5);
    const shed = refused[0] as Extract<Settled, { ok: false }>;
    expect(shed.error.status).toBe(way.startsWith("rest") ? 429 : "ResourceExhausted");
    expect(shed.error.retryAfter).toBe("1");
    expect(shed.error.message).toMatch(/max_concurrency 2 with 3 waiting/);
    // At once: before the first slot could free, and long before the queued ones are served.
    const servedAt = served.map((r) => r.at);
    expect(shed.at).toBeLessThan(SLOW_MS);
    expect(shed.at).toBeLessThan(Math.min(...servedAt));
    expect(Math.max(...servedAt)).toBeGreaterThanOrEqual(3 * SLOW_MS - 50);

    // Two went straight upstream; three waited for a slot, two of them one round and one two rounds
    // (less however much later than the first two they reached the gateway).
    const queued = served.map((r) => (r.ok ? r.answer.meta.queue_ms : -1)).sort((x, y) => x - y);
    expect(queued.slice(0, 2)).toEqual([0, 0]);
    expect(queued[2]).toBeGreaterThan(SLOW_MS / 2);
    expect(queued[3]).toBeGreaterThan(SLOW_MS / 2);
    expect(queued[4]).toBeGreaterThan(SLOW_MS * 1.5);
    for (const r of served)
      if (r.ok) expect(r.answer.meta).toMatchObject({ attempts: 1, deployment: DEPLOYMENT });

    // The upstream never had more than two at once, and never saw the shed one.
    expect(gw.mock.maxActive).toBe(2);
    expect(gw.mock.requests).toHaveLength(5);
    expect(await queueDepth(gw, DEPLOYMENT)).toBe(0);

    const rows = (await ledgerEntries(gw)).slice(rowsBefore);
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.status === "ok")).toHaveLength(5);
    // The shed request ended first, refused by the queue before any attempt.
    expect(rows[0]).toMatchObject({ status: "queue_full", model: "chat", attempts: 0 });
  });
});

// Unary over one surface and streamed over the other: the queue sits below both, and each wait costs time.
describe.each(["rest-unary", "rpc-stream"] as const)("the queue over %s", (way) => {
  /**
   * Takes both slots with slow requests that free them one at a time; whoever queues behind them is
   * answered at once, so the order they reach the mock is the order the queue let them go.
   */
  async function occupyBothSlots(): Promise<Promise<Routed>[]> {
    gw.mock.setBehaviour({ ttftMs: FIRST_FREES_MS });
    const first = send[way]("chat", "busy 1");
    await vi.waitFor(() => expect(gw.mock.active).toBe(1), { interval: 5 });
    gw.mock.setBehaviour({ ttftMs: SECOND_FREES_MS });
    const second = send[way]("chat", "busy 2");
    await vi.waitFor(() => expect(gw.mock.active).toBe(2), { interval: 5 });
    gw.mock.setBehaviour(undefined);
    return [first, second];
  }

  it("serves a higher priority first, though it queued later", async () => {
    const busy = await occupyBothSlots();
    const low = send[way]("chat", "low", { "x-llmgw-priority": "1" });
    await vi.waitFor(async () => expect(await queueDepth(gw, DEPLOYMENT)).toBe(1), { interval: 5 });
    const high = send[way]("chat", "high", { "x-llmgw-priority": "7" });
    await vi.waitFor(async () => expect(await queueDepth(gw, DEPLOYMENT)).toBe(2), { interval: 5 });

    const [lowAnswer, highAnswer] = await Promise.all([low, high, ...busy]);
    expect(gw.mock.requests.map(promptOf)).toEqual(["busy 1", "busy 2", "high", "low"]);
    expect(highAnswer.meta.queue_ms).toBeLessThan(lowAnswer.meta.queue_ms);
    expect(gw.mock.maxActive).toBe(2);
  });

  it("removes a caller that leaves while queued: the upstream never sees its request", async () => {
    const rowsBefore = (await ledgerEntries(gw)).length;
    const busy = await occupyBothSlots();
    const leaving = new AbortController();
    const left = failure(send[way]("chat", "leaving", undefined, leaving.signal));
    await vi.waitFor(async () => expect(await queueDepth(gw, DEPLOYMENT)).toBe(1), { interval: 5 });

    leaving.abort();
    await left;
    // Out of the queue as soon as the gateway hears the caller go, while both slots are still held.
    await vi.waitFor(async () => expect(await queueDepth(gw, DEPLOYMENT)).toBe(0), { interval: 5 });
    expect(gw.mock.requests.map(promptOf)).toEqual(["busy 1", "busy 2"]);
    expect(gw.mock.active).toBe(2);

    await Promise.all(busy);
    // Its slot went to no one: the next caller is served at once.
    const next = await send[way]("chat", "after");
    expect(next.meta.queue_ms).toBe(0);
    expect(gw.mock.requests.map(promptOf)).toEqual(["busy 1", "busy 2", "after"]);

    const rows = (await ledgerEntries(gw)).slice(rowsBefore);
    expect(rows.map((r) => r.status).sort()).toEqual(["cancelled", "ok", "ok", "ok"]);
    expect(rows.find((r) => r.status === "cancelled")).toMatchObject({ attempts: 0 });
  });
});
