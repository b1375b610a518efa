import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { BREAKER, breakerState, breakerTransitions } from "./harness/deployment-gauges.ts";
import { ledgerEntries } from "./harness/observe.ts";
import { failure, type Routed, type Sender, senders, WAYS, type Way } from "./harness/routed-senders.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * A deployment's circuit breaker, end to end, through all four transitions: a model whose first
 * deployment (`flaky`, on mock `a`) fails and whose second (`spare`, on mock `b`) takes over, driven
 * through the real gateway four ways. Three failures open the circuit; while open, `a` is left alone
 * (the model's traffic goes to `spare`, and a model with no other deployment is refused at once); once
 * `half_open_after_ms` has passed, exactly one probe reaches `a`, and its failure opens the circuit again
 * while its success closes it. Each way has its own pair of models on the same two mocks, so its own
 * breaker. The breaker's state is read from `/metrics`, as an operator sees it.
 */

const FAILURES = 3;
const HALF_OPEN_MS = 300;
/** How long the probe takes upstream: long enough that the other callers of a burst arrive meanwhile. */
const PROBE_MS = 100;

let gw: TestGateway;
let a: MockUpstream;
let b: MockUpstream;
let send: Record<Way, Sender>;

beforeAll(async () => {
  a = await startMockUpstream();
  gw = await startTestGateway({
    config: (bUrl) => ({
      providers: [
        { name: "a", base_url: `${a.url}/v1`, models: ["mock-small"], discover: false },
        { name: "b", base_url: `${bUrl}/v1`, models: ["mock-small"], discover: false },
      ],
      routing: {
        // Two attempts: `flaky` once, then `spare`, so each request is one failure of `flaky`.
        retry: { max_attempts: 2, base_delay_ms: 0, max_delay_ms: 0 },
        breaker: { consecutive_failures: FAILURES, half_open_after_ms: HALF_OPEN_MS },
        health: { probe_interval_ms: 0 },
        models: WAYS.flatMap((way) => {
          const flaky = { id: `flaky-${way}`, provider: "a", model: "mock-small", priority: 0 };
          return [
            {
              name: `chat-${way}`,
              deployments: [flaky, { id: `spare-${way}`, provider: "b", model: "mock-small", priority: 1 }],
            },
            // The same deployment (so the same breaker) as a model's only one.
            { name: `solo-${way}`, deployments: [flaky] },
          ];
        }),
      },
    }),
  });
  b = gw.mock;
  send = senders(gw);
  // One call each way first, so that a cold start does not eat into the breaker's short delays.
  for (const way of WAYS) await send[way](`chat-${way}`, "warm up");
  a.reset();
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

describe.each(WAYS)("the breaker over %s", (way) => {
  const model = `chat-${way}`;
  const flaky = `flaky-${way}`;
  const spare = `spare-${way}`;
  const hello = (to = model) => send[way](to, "Hello there, mock upstream!");
  /** Three callers at once, while the probe is out: only one of them may be it. */
  const burst = () => Promise.all([hello(), hello(), hello()]);
  const servedBy = (answers: Routed[], id: string) => answers.filter((x) => x.meta.deployment === id);

  /** Waits out the delay of a circuit opened no sooner than `openedAt`; the gauge reads half-open once a probe may go. */
  async function untilHalfOpen(openedAt: number): Promise<void> {
    await vi.waitFor(async () => expect(await breakerState(gw, flaky)).toBe(BREAKER.half_open), {
      timeout: HALF_OPEN_MS * 4,
      interval: 10,
    });
    // Not before its time (less a millisecond: the breaker's clock is Date.now()).
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(HALF_OPEN_MS - 1);
  }

  it("opens after 3 failures, rejects fast while open, probes once half-open, and closes on success", async () => {
    expect(await breakerState(gw, flaky)).toBe(BREAKER.closed);

    // closed → open: each failure of `flaky` is answered by `spare`; the third opens the circuit.
    a.setBehaviour({ status: 500 });
    // When the circuit opened, at the earliest: the last failing request's start.
    let openedAt = 0;
    for (let i = 0; i < FAILURES; i++) {
      openedAt = performance.now();
      const answer = await hello();
      expect(answer.meta).toMatchObject({ attempts: 2, fallback_used: true, deployment: spare });
      expect(await breakerState(gw, flaky)).toBe(i < FAILURES - 1 ? BREAKER.closed : BREAKER.open);
    }
    expect(a.requests).toHaveLength(FAILURES);
    const failedRows = (await ledgerEntries(gw, { provider: "b" })).slice(-FAILURES);
    for (const row of failedRows) expect(row).toMatchObject({ status: "ok", attempts: 2, deployment: spare });

    // open: the model's traffic goes to `spare` without touching `a`…
    const whileOpen = await hello();
    // …and a model with nothing else is refused at once, before anything goes upstream.
    const started = performance.now();
    const refused = await failure(hello(`solo-${way}`));
    const refusedMs = performance.now() - started;
    // (Had the box stalled for the whole delay, the checks below would see a probe instead.)
    expect(performance.now() - openedAt).toBeLessThan(HALF_OPEN_MS);
    expect(whileOpen.meta).toMatchObject({ attempts: 1, fallback_used: false, deployment: spare });
    expect(refusedMs).toBeLessThan(100);
    expect(refused.status).toBe(way.startsWith("rest") ? 503 : "Unavailable");
    expect(refused.message).toMatch(new RegExp(`${flaky}.*circuit breaker is open`));
    expect(a.requests).toHaveLength(FAILURES);
    expect(await lastRow()).toMatchObject({ status: "circuit_open", attempts: 0, model: `solo-${way}` });
    expect(await breakerTransitions(gw, flaky, "open")).toBe(1);

    // open → half-open → open: one probe reaches `a`, fails, and the circuit opens again.
    await untilHalfOpen(openedAt);
    a.setBehaviour({ status: 500, ttftMs: PROBE_MS });
    // The circuit opens again when the probe's answer fails, no sooner than PROBE_MS from now.
    openedAt = performance.now() + PROBE_MS;
    const failedProbe = await burst();
    expect(a.requests).toHaveLength(FAILURES + 1);
    expect(servedBy(failedProbe, spare)).toHaveLength(3);
    expect(await breakerState(gw, flaky)).toBe(BREAKER.open);
    expect(await breakerTransitions(gw, flaky, "half_open")).toBe(1);
    expect(await breakerTransitions(gw, flaky, "open")).toBe(2);

    // open → half-open → closed: `a` is well again; one probe reaches it, succeeds, and closes the circuit.
    await untilHalfOpen(openedAt);
    a.setBehaviour({ ttftMs: PROBE_MS });
    const probed = await burst();
    expect(a.requests).toHaveLength(FAILURES + 2);
    const probe = servedBy(probed, flaky);
    expect(probe).toHaveLength(1);
    expect(probe[0]?.meta).toMatchObject({ attempts: 1, fallback_used: false });
    // The others found the probe out and went to `spare` (a refused admission is not an attempt).
    for (const other of servedBy(probed, spare))
      expect(other.meta).toMatchObject({ attempts: 1, fallback_used: true });
    expect(await breakerState(gw, flaky)).toBe(BREAKER.closed);
    expect(await breakerTransitions(gw, flaky, "half_open")).toBe(2);
    expect(await breakerTransitions(gw, flaky, "closed")).toBe(1);

    // closed: traffic flows to `flaky` again, first try.
    a.setBehaviour(undefined);
    for (let i = 0; i < 3; i++) {
      const answer = await hello();
      expect(answer.meta).toMatchObject({ attempts: 1, fallback_used: false, deployment: flaky });
    }
    expect(await lastRow()).toMatchObject({ status: "ok", attempts: 1, deployment: flaky, provider: "a" });
    expect(a.requests).toHaveLength(FAILURES + 5);
    expect(await breakerTransitions(gw, flaky, "open")).toBe(2);
  });
});
