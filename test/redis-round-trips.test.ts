import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELLO, openaiClient } from "./harness/openai-client.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { eventually, type Replica, startReplica } from "./harness/replicas.ts";

/**
 * What a call costs Redis: with an RPM, a TPM and a concurrency limit, and a
 * key's, a team's and the global budget all on one Redis, a call is one
 * script at admission and one when it ends, whatever the number of rules.
 * Watched from Redis itself (MONITOR), so nothing the gateway sends on any
 * connection is missed.
 */

const KEY = "sk-round-trips-0001";

let redis: RedisServer;
let gw: Replica;
let probe: Redis;

beforeAll(async () => {
  redis = await RedisServer.start();
  probe = new Redis(redis.url, { lazyConnect: true });
  await probe.connect();
  gw = await startReplica(redis, (mockUrl) => ({
    keys: [{ name: "counted", key: KEY, team: "t" }],
    providers: [
      {
        name: "mock",
        base_url: `${mockUrl}/v1`,
        models: [{ id: "mock-small", pricing: { input: 1_000, output: 2_000 } }],
      },
    ],
    limits: {
      per_key: [{ requests: 1_000, window: "1m" }, { tokens: 1_000_000, window: "1m" }, { concurrent: 50 }],
      global: [{ requests: 10_000, window: "15m" }],
    },
    budgets: {
      per_key: [{ usd: 100, period: "day" }],
      teams: { t: [{ usd: 100, period: "month" }] },
      global: [{ tokens: 10_000_000, period: "day" }],
    },
  }));
});

afterAll(async () => {
  probe?.disconnect();
  await gw?.close();
  await redis?.stop();
});

/**
 * Every command a client sent Redis while `run` ran (those scripts run inside them left out), by
 * MONITOR. The replica's lease renewal (once a second, whatever the traffic) is not a call's.
 */
async function sent(run: () => Promise<void>, settled: (commands: string[]) => boolean): Promise<string[]> {
  const monitor = await probe.monitor();
  const commands: string[] = [];
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    if (source !== "lua" && !args.includes("llmgw:leases")) commands.push(String(args[0]).toLowerCase());
  });
  try {
    await run();
    await eventually(async () => settled(commands));
    // Anything more a call would send has had time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    monitor.disconnect();
  }
  return commands;
}

describe("Redis round trips", () => {
  it("costs one script at admission and one at the end per call, with limits and budgets of every kind", async () => {
    const client = openaiClient(gw, KEY);
    const send = () =>
      client.chat.completions.create({ model: "mock:mock-small", messages: HELLO, max_tokens: 8 });
    await send(); // loads the scripts (a first EVALSHA may miss and fall back to EVAL)
    await new Promise((resolve) => setTimeout(resolve, 100)); // and settles it
    const N = 10;
    const commands = await sent(
      async () => {
        for (let i = 0; i < N; i++) await send();
      },
      (seen) => seen.length >= 2 * N,
    );
    expect(commands).toEqual(Array.from({ length: 2 * N }, () => "evalsha"));
  });
});
