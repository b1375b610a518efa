import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { HELLO } from "./harness/openai-client.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { eventually } from "./harness/replicas.ts";
import { type ServeProcess, serveProcess } from "./harness/serve-process.ts";

/**
 * Leases on a dead replica's Redis holds, end to end: two `llmgw serve`
 * processes on one real Redis share a key's concurrency limit and token
 * budget. One is killed with SIGKILL while it holds every concurrency slot
 * and a budget reservation for each of its streams; within its lease
 * (`redis.lease_ms`) plus a renewal, the other replica has given them back
 * and serves that key again at full concurrency.
 */

const KEY = "sk-leases-00000001";
const SLOTS = 4;
const LEASE_MS = 1_000;

let mock: MockUpstream;
let redis: RedisServer;
let inspect: Redis;
let replicas: ServeProcess[] = [];

beforeAll(async () => {
  [mock, redis] = await Promise.all([startMockUpstream({ record: false }), RedisServer.start()]);
  inspect = new Redis(redis.url);
  const dir = mkdtempSync(join(tmpdir(), "llmgw-leases-"));
  replicas = await Promise.all(
    ["a", "b"].map((name) => {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(
        file,
        JSON.stringify({
          server: { port: 0, shutdown_grace_ms: 500 },
          providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
          keys: [{ name: "leases", key: KEY }],
          limits: { keys: { leases: [{ concurrent: SLOTS }] } },
          budgets: { keys: { leases: [{ tokens: 10_000_000, period: "day" }] } },
          usage: { path: join(dir, `${name}.db`), flush_interval_ms: 50 },
          redis: { url: redis.url, command_timeout_ms: 2_000, lease_ms: LEASE_MS },
        }),
      );
      return serveProcess(file);
    }),
  );
}, 60_000);

afterAll(async () => {
  for (const r of replicas) r.child.kill("SIGKILL");
  inspect?.disconnect();
  await Promise.all([mock?.close(), redis?.stop()]);
});

function sdk(replica: ServeProcess): OpenAI {
  return new OpenAI({ baseURL: `${replica.url}/v1`, apiKey: KEY, maxRetries: 0, timeout: 20_000 });
}

/** A unary call's HTTP status (200, or the error's). */
async function status(replica: ServeProcess, controls: Record<string, unknown> = {}): Promise<number> {
  try {
    await sdk(replica).chat.completions.create({
      model: "mock-small",
      messages: HELLO,
      max_tokens: 8,
      // @ts-expect-error the mock's controls ride along as an extra field
      mock: controls,
    });
    return 200;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

/** The token budget's `reserved` across its Redis counters (micro-units). */
async function reserved(): Promise<number> {
  const keys = await inspect.keys("llmgw:budget:*");
  let total = 0;
  for (const key of keys) total += Number((await inspect.hget(key, "reserved")) ?? 0);
  return total;
}

describe("a replica killed while it holds concurrency slots and budget reservations", () => {
  it("gives them back through the other replica once its lease lapses", async () => {
    const [victim, survivor] = replicas as [ServeProcess, ServeProcess];
    // The victim holds every slot: SLOTS slow streams, each admitted once its first chunk arrives.
    const outcomes: Promise<unknown>[] = [];
    await Promise.all(
      Array.from({ length: SLOTS }, async () => {
        const stream = await sdk(victim).chat.completions.create({
          model: "mock-small",
          messages: HELLO,
          max_tokens: 500,
          stream: true,
          // @ts-expect-error the mock's controls ride along as an extra field
          mock: { tokens: 500, itl_ms: 100 },
        });
        const iterator = stream[Symbol.asyncIterator]();
        await iterator.next();
        outcomes.push(
          (async () => {
            while (!(await iterator.next()).done) {}
          })().then(
            () => "finished",
            (error: Error) => error,
          ),
        );
      }),
    );
    expect(await status(survivor)).toBe(429);
    expect(await reserved()).toBeGreaterThan(0);

    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    // Its streams end with an error, never as if they had finished.
    for (const outcome of await Promise.all(outcomes)) expect(outcome).toBeInstanceOf(Error);

    await eventually(async () => (await reserved()) === 0, LEASE_MS + 4_000);
    const recoveredMs = Date.now() - killedAt;
    expect(recoveredMs).toBeGreaterThan(LEASE_MS / 2);
    console.log(`the dead replica's holds came back ${recoveredMs} ms after kill -9 (lease ${LEASE_MS} ms)`);
    // Every slot is free again: the survivor admits SLOTS calls at once, and one more is refused.
    const statuses = await Promise.all([
      ...Array.from({ length: SLOTS }, () => status(survivor, { ttft_ms: 500 })),
      new Promise<number>((resolve) => setTimeout(resolve, 200)).then(() => status(survivor)),
    ]);
    expect(statuses.sort()).toEqual([...Array.from({ length: SLOTS }, () => 200), 429].sort());
    // Nothing is held any more, by either replica: the victim's hash went with its lease, the survivor settled.
    await eventually(async () => (await inspect.keys("llmgw:holds:*")).length === 0, 2_000);
  }, 30_000);
});
