import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledgerEntries } from "./harness/observe.ts";
import { failure, type Sender, senders } from "./harness/routed-senders.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * A provider's connection pool bounds its wait: past `connections`, at most `max_pending` requests wait,
 * each for at most `pending_timeout_ms`, and the rest are shed at once. Before, a request past the pool
 * waited in undici's own queue with no limit and no timeout.
 */

let gw: TestGateway;
let send: Sender;

beforeAll(async () => {
  gw = await startTestGateway({
    config: (url) => ({
      providers: [
        {
          name: "mock",
          base_url: `${url}/v1`,
          models: ["mock-small"],
          discover: false,
          connections: 2,
          max_pending: 1,
          pending_timeout_ms: 300,
        },
      ],
      routing: { health: { probe_interval_ms: 0 } },
    }),
  });
  send = senders(gw)["rest-unary"];
});

afterAll(async () => {
  await gw?.close();
});

describe("a provider's connection pool", () => {
  it("never lets more than `connections` requests reach the upstream, sheds past max_pending, and times out a long wait", async () => {
    gw.mock.setBehaviour({ ttftMs: 700 });
    const started = performance.now();
    const calls = [0, 1, 2, 3].map(async () => {
      try {
        await send("mock-small", "Hello there, mock upstream!");
        return { ok: true, ms: performance.now() - started, status: 200 };
      } catch (error) {
        const f = await failure(Promise.reject(error));
        return { ok: false, ms: performance.now() - started, status: f.status, message: f.message };
      }
    });
    const results = await Promise.all(calls);
    const served = results.filter((r) => r.ok);
    const shed = results.filter((r) => r.status === 429);
    const waitedOut = results.filter((r) => r.status === 503);
    expect(served).toHaveLength(2);
    expect(shed).toHaveLength(1);
    // Shed at once: before the pool's wait could have timed out, let alone the slow ones finished.
    expect(shed[0]?.ms).toBeLessThan(Math.min(...served.map((r) => r.ms), ...waitedOut.map((r) => r.ms)));
    expect(shed[0]?.message).toMatch(/connection pool is at max_concurrency 2/);
    expect(waitedOut).toHaveLength(1);
    expect(waitedOut[0]?.message).toMatch(/within queue_timeout_ms \(300 ms\)/);
    expect(gw.mock.maxActive).toBe(2);
    const statuses = (await ledgerEntries(gw)).map((r) => r.status).sort();
    expect(statuses).toEqual(["ok", "ok", "queue_full", "queue_timeout"]);
  });
});
