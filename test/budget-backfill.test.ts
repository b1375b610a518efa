import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BudgetView } from "../server/policy/budget/budget-control.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { HELLO, openaiClient } from "./harness/openai-client.ts";
import { PostgresServer } from "./harness/postgres-server.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { eventually, type Replica, startReplica } from "./harness/replicas.ts";

/**
 * Budget spend that outlives Redis's data: two replicas share a real Redis
 * and a real PostgreSQL ledger. Redis loses every key (FLUSHALL, as a
 * restart without persistence would); the first admission after it finds
 * its counter unseeded, and the spend the ledger recorded is added back
 * once, so the budget is not reset to zero. `mock-small` costs $0.015 per
 * completion token, so each call with max_tokens 10 and 10 tokens answered
 * costs exactly $0.15 (its worst case too).
 */

const KEY = "sk-backfill-000001";
const CAP = 0.6;
const PRICED = { tokens: 10 };
/** Budget days are UTC days (budgets.time_zone defaults to UTC), so aligned to the epoch like a window. */
const DAY = 86_400_000;

let redis: RedisServer;
let postgres: PostgresServer;
let a: Replica;
let b: Replica;
let probe: Redis;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start()]);
  const url = await postgres.database();
  const config = (mockUrl: string) => ({
    keys: [{ name: "spender", key: KEY, team: "t" }],
    providers: [
      {
        name: "mock",
        base_url: `${mockUrl}/v1`,
        models: [{ id: "mock-small", pricing: { input: 0, output: 15_000 } }],
      },
    ],
    budgets: { per_key: [{ usd: CAP, period: "day" }], teams: { t: [{ usd: 100, period: "month" }] } },
    postgres: { url },
    usage: { flush_interval_ms: 50 },
  });
  [a, b] = await Promise.all([startReplica(redis, config), startReplica(redis, config)]);
  probe = new Redis(redis.url);
});

afterAll(async () => {
  probe?.disconnect();
  await Promise.all([a?.close(), b?.close()]);
  await Promise.all([redis?.stop(), postgres?.stop()]);
});

function spend(gw: Replica) {
  return openaiClient(gw, KEY).chat.completions.create({
    model: "mock:mock-small",
    messages: HELLO,
    max_tokens: 10,
    // @ts-expect-error the mock's controls ride in the body
    mock: PRICED,
  });
}

async function budget(gw: Replica, scope: string): Promise<BudgetView> {
  const view = (await gw.running.services.budgets?.forPayer({ name: "spender", team: "t" }))?.find(
    (v) => v.scope === scope,
  );
  if (view === undefined) throw new Error(`no budget ${scope}`);
  return view;
}

/** Requests of the key the shared ledger holds. */
async function ledgerRequests(gw: Replica): Promise<number> {
  const caller = { name: "spender", admin: false, priority: 0, team: "t" };
  const query = { startMs: undefined, endMs: undefined, key: "", provider: "", model: "" };
  const report = await gw.running.services.usage.query(caller, query);
  return report.rows.reduce((sum, row) => sum + row.requests, 0);
}

describe("budget spend after Redis loses its data", () => {
  it("is given back from the PostgreSQL ledger, once, on the first admission that finds the counter empty", async () => {
    await freshWindow(DAY, 10_000);
    await spend(a);
    await spend(b);
    await eventually(async () => (await budget(a, "key:spender")).reserved === 0);
    expect((await budget(a, "key:spender")).spent).toBeCloseTo(0.3, 9);
    // Both replicas' rows are in the shared ledger before Redis forgets.
    await eventually(async () => (await ledgerRequests(a)) >= 2);
    await probe.flushall();
    expect((await budget(b, "key:spender")).spent).toBe(0);

    // The first call after the loss is admitted against what Redis has (nothing) and starts the backfill.
    await spend(b);
    await eventually(async () => {
      const view = await budget(a, "key:spender");
      return view.reserved === 0 && Math.abs(view.spent - 0.45) < 1e-9;
    });
    // The team's month budget, and every replica, saw the same.
    expect((await budget(b, "team:t")).spent).toBeCloseTo(0.45, 9);
    // $0.45 of $0.60 spent: one more $0.15 call fits, the next is refused.
    await spend(a);
    await eventually(async () => (await budget(a, "key:spender")).reserved === 0);
    await expect(spend(b)).rejects.toMatchObject({ status: 429, code: "budget_exhausted" });
    expect((await budget(b, "key:spender")).spent).toBeCloseTo(0.6, 9);
  });
});
