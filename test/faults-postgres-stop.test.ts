import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELLO } from "./harness/openai-client.ts";
import { PostgresServer } from "./harness/postgres-server.ts";
import { eventually } from "./harness/replicas.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";
import { percentiles, type Result, type Shot, steadyLoad, tally } from "./harness/steady-load.ts";

/**
 * PostgreSQL stopped for 10 s (SIGSTOP: a hung server, every connection
 * open and silent) under steady load. The ledger is off the request path:
 * every call is answered meanwhile, the rows wait in the ledger's buffer,
 * and once PostgreSQL resumes they are written, each exactly once: the
 * shared ledger's row count equals the answers the clients received.
 */

const KEY = "sk-faults-pg-000001";
const RATE = 40;
const LOAD_MS = 16_000;
const FREEZE_AT_MS = 3_000;
const FREEZE_MS = 10_000;

let postgres: PostgresServer;
let url: string;
let gw: TestGateway;

beforeAll(async () => {
  postgres = await PostgresServer.start();
  url = await postgres.database();
  gw = await startTestGateway({
    config: {
      keys: [{ name: "pg-faults", key: KEY }],
      postgres: { url },
      usage: { flush_interval_ms: 50 },
    },
  });
}, 60_000);

afterAll(async () => {
  postgres?.thaw();
  await gw?.close();
  await postgres?.stop();
});

async function send(): Promise<Result> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: "mock-small", messages: HELLO, max_tokens: 8 }),
  });
  const body = (await response.json()) as { error?: { code?: string } };
  return {
    status: response.status,
    code: body.error?.code,
    requestId: response.headers.get("x-request-id") ?? undefined,
  };
}

async function rows(): Promise<{ rows: number; distinct: number }> {
  const [row] = await postgres.query<{ rows: string; distinct: string }>(
    "SELECT count(*) AS rows, count(DISTINCT request_id) AS distinct FROM usage WHERE key = $1",
    ["pg-faults"],
    url,
  );
  return { rows: Number(row?.rows), distinct: Number(row?.distinct) };
}

describe("PostgreSQL stopped for 10 s under steady load", () => {
  it("answers every call meanwhile; the ledger buffers, catches up, and holds each answer exactly once", async () => {
    const load = steadyLoad(RATE, LOAD_MS, send);
    await sleep(FREEZE_AT_MS);
    postgres.freeze();
    await sleep(FREEZE_MS);
    postgres.thaw();
    const shots = await load;
    const answered = shots.filter((s) => s.status === 200);
    expect(tally(shots)).toEqual({ 200: shots.length });
    // The ledger catches up after the thaw: every answer has its row, none twice.
    let seen = { rows: 0, distinct: 0 };
    await eventually(async () => {
      seen = await rows();
      return seen.rows >= answered.length;
    }, 15_000).catch(() => {});
    await sleep(500); // a duplicate would land late (a write that timed out, then committed)
    seen = await rows();
    expect(seen).toEqual({ rows: answered.length, distinct: answered.length });
    const frozen = (s: Shot) => s.at >= FREEZE_AT_MS && s.at < FREEZE_AT_MS + FREEZE_MS;
    console.log(
      `PostgreSQL frozen 10 s: ${answered.length} answers, ${seen.rows} rows; p50/p99 ms while frozen ` +
        `${percentiles(answered.filter(frozen))}, otherwise ${percentiles(answered.filter((s) => !frozen(s)))}`,
    );
  }, 45_000);
});
