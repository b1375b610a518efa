import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { metricValue } from "./harness/deployment-gauges.ts";
import { type Sender, senders } from "./harness/routed-senders.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The `ttft` strategy, end to end: a model with two deployments of one tier on two real mock upstreams,
 * streamed through the real gateway (REST through the `openai` SDK, RPC through connect-node). Each
 * deployment is measured once and traffic settles on `a`; then `a` is made slow to its first token and
 * `b` fast, and within a bounded number of requests the traffic moves to `b` and stays there. Which
 * deployment served is read from each stream's own gateway metadata.
 */

/** The slowed mock's time to first token; the other then answers at once. */
const SLOW_TTFT_MS = 150;
/** How much slower `b` is to its first token at first, so that traffic starts on `a`. */
const HEAD_START_MS = 60;
/** Requests the strategy may take to move away once a deployment turns slow. */
const MOVE_WITHIN = 10;
/** Requests after the move that must stay on the fast deployment (all but one). */
const AFTER = 10;

const STREAMS = ["rest-stream", "rpc-stream"] as const;

let gw: TestGateway;
let a: MockUpstream;
let b: MockUpstream;
let send: Record<(typeof STREAMS)[number], Sender>;

beforeAll(async () => {
  a = await startMockUpstream();
  gw = await startTestGateway({
    config: (bUrl) => ({
      providers: [
        { name: "a", base_url: `${a.url}/v1`, models: ["mock-small"], discover: false },
        { name: "b", base_url: `${bUrl}/v1`, models: ["mock-small"], discover: false },
      ],
      routing: {
        breaker: { enabled: false },
        health: { probe_interval_ms: 0 },
        // Each way its own pair of deployments, so its own measurements.
        models: [
          ...STREAMS.map((way) => ({
            name: `chat-${way}`,
            strategy: "ttft",
            deployments: [
              { id: `a-${way}`, provider: "a", model: "mock-small" },
              { id: `b-${way}`, provider: "b", model: "mock-small" },
            ],
          })),
          { name: "warm-a", deployments: [{ id: "warm-a", provider: "a", model: "mock-small" }] },
          { name: "warm-b", deployments: [{ id: "warm-b", provider: "b", model: "mock-small" }] },
        ],
      },
    }),
  });
  b = gw.mock;
  send = senders(gw);
  // Warm both paths to both mocks first: a deployment is measured once and then, unless chosen, keeps
  // that number for STALE_AFTER_MS, so a cold start's slow first stream would stand in for it.
  for (const way of STREAMS)
    for (const warm of ["warm-a", "warm-b", "warm-a", "warm-b"]) await send[way](warm, "warm up");
});

afterAll(async () => {
  await gw?.close();
  await a?.close();
});

afterEach(() => {
  a.reset();
  b.reset();
});

describe.each(STREAMS)("the ttft strategy over %s", (way) => {
  const model = `chat-${way}`;
  const slow = `a-${way}`;
  const fast = `b-${way}`;

  /** Streams one chat; returns the deployment that served it, as its metadata says. */
  async function servedBy(): Promise<string> {
    const answer = await send[way](model, "Hello there, mock upstream!");
    expect(answer.text.length).toBeGreaterThan(0);
    expect(answer.meta).toMatchObject({ strategy: "ttft", attempts: 1 });
    return answer.meta.deployment;
  }

  it("moves streams away from a deployment made slow to the first token, and keeps them away", async () => {
    // Traffic starts on `a`: `b` is a little slower to its first token at first.
    b.setBehaviour({ ttftMs: HEAD_START_MS });
    // Unmeasured deployments go first: the first two streams measure one each.
    const measured = [await servedBy(), await servedBy()];
    expect(measured.sort()).toEqual([slow, fast]);
    for (let i = 0; i < 3; i++) expect(await servedBy()).toBe(slow);

    // `a` turns slow to its first token and `b` fast: the next stream still goes to `a`, and measures it.
    a.setBehaviour({ ttftMs: SLOW_TTFT_MS });
    b.setBehaviour(undefined);
    expect(await servedBy()).toBe(slow);
    let moved = 0;
    for (let i = 2; i <= MOVE_WITHIN; i++) {
      if ((await servedBy()) === fast) {
        moved = i;
        break;
      }
    }
    expect(moved, `traffic still on ${slow} after ${MOVE_WITHIN} requests`).toBeGreaterThan(0);

    const next: string[] = [];
    for (let i = 0; i < AFTER; i++) next.push(await servedBy());
    expect(next.filter((id) => id === fast).length).toBeGreaterThanOrEqual(AFTER - 1);

    // The gauges say why: `a`'s time-to-first-token average is now above what `b` ever measured.
    const slowTtft = await metricValue(gw, "llmgw_deployment_ttft_ewma_seconds", { deployment: slow });
    const fastTtft = await metricValue(gw, "llmgw_deployment_ttft_ewma_seconds", { deployment: fast });
    expect(slowTtft).toBeGreaterThan(HEAD_START_MS / 1000);
    expect(slowTtft).toBeGreaterThan(fastTtft ?? Number.POSITIVE_INFINITY);
  });
});
