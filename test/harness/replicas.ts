import pino from "pino";
import type { RedisServer } from "./redis-server.ts";
import { startTestGateway, type TestGateway } from "./start-gateway.ts";

/**
 * Gateways that share one real `redis-server`, as replicas behind a load
 * balancer would: each is a whole gateway (its own listener, mock upstream
 * and ledger file) started in this test process with `redis.url` pointing
 * at the same server. Each keeps the warnings and errors it logged.
 */

export interface Replica extends TestGateway {
  /** The messages this gateway logged at warn level and above. */
  readonly logged: LoggedLine[];
}

export interface LoggedLine {
  readonly level: number;
  readonly msg: string;
}

/** Starts one gateway on `redis` with `config` (merged over the test defaults, as startTestGateway does). */
export async function startReplica(
  redis: RedisServer,
  config: Record<string, unknown> | ((mockUrl: string) => Record<string, unknown>),
): Promise<Replica> {
  const logged: LoggedLine[] = [];
  const log = pino(
    { level: "warn" },
    {
      write: (line: string) => {
        const { level, msg } = JSON.parse(line) as LoggedLine;
        logged.push({ level, msg });
      },
    },
  );
  const withRedis = (mockUrl: string) => ({
    ...(typeof config === "function" ? config(mockUrl) : config),
    // A generous command timeout: on a loaded 2-core box a stalled event loop must not look like a hung Redis.
    redis: { url: redis.url, command_timeout_ms: 2_000, connect_timeout_ms: 1_000 },
  });
  const gateway = await startTestGateway({ config: withRedis, log });
  return Object.assign(gateway, { logged });
}

/** The value of `llmgw_state_degraded{store}` on a gateway's /metrics, or undefined when it is not reported. */
export async function degradedGauge(
  gw: TestGateway,
  store: "limits" | "budgets" | "cache",
): Promise<number | undefined> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const match = new RegExp(`^llmgw_state_degraded\\{store="${store}"\\} (\\d+)$`, "m").exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** Waits until `check` holds, polling every 50 ms. */
export async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still not true after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
