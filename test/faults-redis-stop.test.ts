import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELLO } from "./harness/openai-client.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { degradedGauge, eventually, type Replica, startReplica } from "./harness/replicas.ts";
import { percentiles, type Result, type Shot, steadyLoad, tally } from "./harness/steady-load.ts";

/**
 * Redis stopped for 10 s (SIGSTOP: a hung server, its connections open and
 * silent) under steady load over two replicas that share a key's rate and
 * concurrency limits. As documented, the limits fail closed: a call meets
 * `unavailable` (503), within the command timeout, and nothing else; once
 * Redis resumes, service comes back on both replicas with no restart. The
 * outage outlasts every replica's lease, and no replica gives back another's
 * live holds, and no admission Redis ran late (queued while it hung, its
 * caller long since refused) took a slot: once the load has drained, the
 * concurrency counter reads 0. (The concurrency limit is set high so that
 * the burst Redis runs at once when it resumes is not refused: the point
 * is what the counter holds afterwards.)
 */

const KEY = "sk-faults-redis-001";
const RATE = 40;
const LOAD_MS = 18_000;
const FREEZE_AT_MS = 3_000;
const FREEZE_MS = 10_000;
/** startReplica's command timeout: how long a call can wait on a hung Redis before it is refused. */
const COMMAND_TIMEOUT_MS = 2_000;

let redis: RedisServer;
let replicas: Replica[];

beforeAll(async () => {
  redis = await RedisServer.start();
  const config = {
    keys: [{ name: "redis-faults", key: KEY }],
    limits: { keys: { "redis-faults": [{ requests: 100_000, window: "1m" }, { concurrent: 1_000 }] } },
  };
  replicas = await Promise.all([startReplica(redis, config), startReplica(redis, config)]);
}, 60_000);

afterAll(async () => {
  redis?.thaw();
  await Promise.all((replicas ?? []).map((r) => r.close()));
  await redis?.stop();
});

async function send(i: number): Promise<Result> {
  const gw = replicas[i % 2] as Replica;
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: "mock-small", messages: HELLO, max_tokens: 8, mock: { ttft_ms: 50 } }),
  });
  const body = (await response.json()) as { error?: { code?: string } };
  return { status: response.status, code: body.error?.code };
}

describe("Redis stopped for 10 s under steady load", () => {
  it("fails the limits closed with `unavailable` (503) meanwhile, and recovers on both replicas with no restart", async () => {
    const t0 = performance.now();
    const load = steadyLoad(RATE, LOAD_MS, send);
    await sleep(FREEZE_AT_MS);
    redis.freeze();
    // When the fault really began and ended, on the load's clock (timers run late on a busy machine).
    const frozeAt = performance.now() - t0;
    await sleep(FREEZE_MS / 2);
    const degradedMidway = await Promise.all(replicas.map((r) => degradedGauge(r, "limits")));
    await sleep(FREEZE_MS / 2);
    redis.thaw();
    const thawedAt = performance.now() - t0;
    const shots = await load;

    // Nothing but answers and `unavailable`: no hang, no other error, no call let through unlimited.
    const counts = tally(shots);
    expect(Object.keys(counts).sort()).toEqual(["200", "503 unavailable"]);
    // Those sent in the last command timeout before the thaw are still waiting when Redis resumes, and are served.
    const during = (s: Shot) => s.at >= frozeAt + 100 && s.at < thawedAt - COMMAND_TIMEOUT_MS;
    expect(shots.filter(during).every((s) => s.status === 503)).toBe(true);
    // Refused within the command timeout of the admission (RedisConnection.within), never left hanging;
    // the margin is this shared machine's event-loop delay under the load (measured up to ~2 s).
    const slowest = Math.max(...shots.filter((s) => s.status === 503).map((s) => s.ms));
    expect(slowest).toBeLessThan(2 * COMMAND_TIMEOUT_MS + 1_000);
    expect(degradedMidway).toEqual([1, 1]);
    // Recovered: the last seconds of load are all served, on both replicas, and the gauge reads 0 again.
    const tail = shots.filter((s) => s.at >= thawedAt + 3_000);
    expect(tail.length).toBeGreaterThan(50);
    expect(tally(tail)).toEqual({ 200: tail.length });
    expect(await Promise.all(replicas.map((r) => degradedGauge(r, "limits")))).toEqual([0, 0]);
    const recovered = shots.find((s) => s.at >= thawedAt && s.status === 200);
    console.log(
      `Redis frozen 10 s: ${JSON.stringify(counts)}; answered again ${Math.round((recovered?.at ?? 0) - thawedAt)} ms after the thaw; ` +
        `p50/p99 of refusals ${percentiles(shots.filter((s) => s.status === 503))} ms, slowest ${Math.round(slowest)} ms`,
    );

    // Every lease lapsed in the outage, and no replica gave back the other's live slots: the counter drains to 0.
    const inspect = new Redis(redis.url);
    try {
      await eventually(
        async () => Number((await inspect.get("llmgw:limit:inflight:redis-faults")) ?? 0) === 0,
        3_000,
      );
      expect(await inspect.keys("llmgw:holds:*")).toEqual([]);
    } finally {
      inspect.disconnect();
    }
  }, 45_000);
});
