import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatRequestSchema, ChatService, Role } from "../gen/llmgw/v1/chat_pb.js";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import type { BudgetView } from "../server/policy/budget/budget-control.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { ledgerEntries } from "./harness/observe.ts";
import { HELLO, openaiClient } from "./harness/openai-client.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { degradedGauge, eventually, type Replica, startReplica } from "./harness/replicas.ts";

/**
 * Budgets held across replicas: one real redis-server, two gateways (in this
 * process, each with its own listener, mock upstream and ledger) sharing it,
 * and the race spread over both. `mock-small` costs $0.015 per completion
 * token and nothing per prompt token, so max_tokens 10 with the mock told to
 * answer 10 tokens is a worst case, and a real cost, of exactly $0.15. The
 * fault tests kill Redis, so they run last.
 */

const CAP = 0.45;
const WORST = 0.15;
const RACE = 50;
/** 10 completion tokens, slow enough that all 50 calls overlap. */
const PRICED = { tokens: 10, itl_ms: 20 };
const NAMES = ["rest-racer", "rpc-racer", "capped", "faults"] as const;
const secretOf = (name: string) => `sk-dist-${name}-0123456789`;
/** Budget days are UTC days (budgets.time_zone defaults to UTC), so aligned to the epoch like a window. */
const DAY = 86_400_000;

const budgets = (failOpen: boolean) => (mockUrl: string) => ({
  keys: NAMES.map((name) => ({ name, key: secretOf(name) })),
  providers: [
    {
      name: "mock",
      base_url: `${mockUrl}/v1`,
      models: [{ id: "mock-small", pricing: { input: 0, output: 15_000 } }],
    },
  ],
  budgets: {
    per_key: [{ usd: CAP, period: "day" }],
    keys: { faults: [{ usd: 1_000, period: "day" }] },
    fail_open: failOpen,
  },
});

let redis: RedisServer;
let a: Replica;
let b: Replica;
/** A third replica on the same Redis whose budgets fail open. */
let open: Replica;

beforeAll(async () => {
  redis = await RedisServer.start();
  [a, b, open] = await Promise.all([
    startReplica(redis, budgets(false)),
    startReplica(redis, budgets(false)),
    startReplica(redis, budgets(true)),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), open?.close()]);
  await redis?.stop();
});

async function budgetOf(name: string, gw: Replica): Promise<BudgetView> {
  const view = (await gw.running.services.budgets?.forPayer({ name, team: "" }))?.[0];
  if (view === undefined) throw new Error(`no budget for ${name}`);
  return view;
}

/** Both replicas read the same totals, settled (nothing held) and within the cap plus one reservation. */
async function expectSettledWithinCap(name: string): Promise<void> {
  await eventually(async () => (await budgetOf(name, a)).reserved === 0);
  const [onA, onB] = await Promise.all([budgetOf(name, a), budgetOf(name, b)]);
  expect(onB).toEqual(onA);
  expect(onA.spent).toBeLessThanOrEqual(CAP + WORST);
  expect(onA.spent).toBeCloseTo(CAP, 9);
  // What the two ledgers recorded together stays within the cap plus one reservation too.
  await eventually(async () => (await ledgerCost(name)) >= CAP - 1e-9);
  expect(await ledgerCost(name)).toBeLessThanOrEqual(CAP + WORST + 1e-9);
}

async function ledgerCost(name: string): Promise<number> {
  const rows = (await Promise.all([ledgerEntries(a), ledgerEntries(b)])).flat();
  return rows.filter((r) => r.key === name).reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
}

function rpcClient(gw: Replica) {
  return createClient(ChatService, createConnectTransport({ baseUrl: gw.url, httpVersion: "2" }));
}

const rpcChat = create(ChatRequestSchema, {
  model: "mock:mock-small",
  maxTokens: 10,
  messages: [
    { role: Role.USER, content: [{ part: { case: "text", value: "Hello there, mock upstream!" } }] },
  ],
  extra: { mock: PRICED },
});

function restChat(gw: Replica, name: string) {
  return openaiClient(gw, secretOf(name)).chat.completions.create({
    model: "mock-small",
    messages: HELLO,
    max_tokens: 10,
    // @ts-expect-error the mock's controls ride in the body
    mock: PRICED,
  });
}

describe("budgets on Redis, over two replicas", () => {
  it("over REST: of 50 concurrent $0.15 requests against $0.45, spread over both replicas, at most 3 are admitted", async () => {
    await freshWindow(DAY, 10_000);
    const results = await Promise.allSettled(
      Array.from({ length: RACE }, (_, i) => restChat(i % 2 === 0 ? a : b, "rest-racer")),
    );
    const admitted = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) =>
      r.status === "rejected" ? [r.reason as InstanceType<typeof OpenAI.APIError>] : [],
    );
    expect(admitted.length).toBeLessThanOrEqual(3);
    expect(admitted).toHaveLength(3);
    expect(refused).toHaveLength(RACE - 3);
    for (const error of refused) {
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(429);
      expect(error.type).toBe("insufficient_quota");
      expect(error.code).toBe("budget_exhausted");
    }
    await expectSettledWithinCap("rest-racer");
  });

  it("over RPC: of 50 concurrent $0.15 requests against $0.45, spread over both replicas, at most 3 are admitted", async () => {
    await freshWindow(DAY, 10_000);
    const clients = [rpcClient(a), rpcClient(b)];
    const headers = { authorization: `Bearer ${secretOf("rpc-racer")}` };
    const results = await Promise.allSettled(
      Array.from({ length: RACE }, (_, i) => clients[i % 2]?.complete({ chat: rpcChat }, { headers })),
    );
    const admitted = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [ConnectError.from(r.reason)] : []));
    expect(admitted.length).toBeLessThanOrEqual(3);
    expect(admitted).toHaveLength(3);
    expect(refused).toHaveLength(RACE - 3);
    for (const error of refused) {
      expect(error.code).toBe(Code.ResourceExhausted);
      expect(error.findDetails(ErrorDetailSchema)[0]?.code).toBe("budget_exhausted");
    }
    await expectSettledWithinCap("rpc-racer");
  });

  it("holds a cap set with SetBudget on one replica on the other within a second, and on a replica started afterwards", async () => {
    await freshWindow(DAY, 10_000);
    const control = a.running.services.budgets;
    if (control === undefined) throw new Error("budgets are configured");
    const limitOn = async (gw: Replica) => (await budgetOf("capped", gw)).cap;
    expect(await limitOn(b)).toBe(CAP);
    const setAt = Date.now();
    await control.set("key:capped", "day", { usd: WORST });
    await eventually(async () => (await limitOn(b)) === WORST);
    expect(Date.now() - setAt).toBeLessThan(1_000);
    // Enforced there too: one $0.15 call fits the new cap, the next does not.
    await restChat(b, "capped");
    await eventually(async () => (await budgetOf("capped", b)).reserved === 0);
    await expect(restChat(b, "capped")).rejects.toMatchObject({ status: 429, code: "budget_exhausted" });
    const late = await startReplica(redis, budgets(false));
    try {
      expect(await limitOn(late)).toBe(WORST);
    } finally {
      await late.close();
    }
    // A removal travels the same way: the key has no day budget left on the other replica either.
    await control.set("key:capped", "day", {});
    await eventually(
      async () => (await b.running.services.budgets?.forPayer({ name: "capped", team: "" }))?.length === 0,
    );
  });
});

describe("Redis faults", () => {
  it("with Redis killed, budgets fail closed with `unavailable` (503, Unavailable) and the degraded gauge reads 1; restarted, service resumes with no gateway restart", async () => {
    await restChat(a, "faults");
    expect(await degradedGauge(a, "budgets")).toBe(0);
    await redis.kill();

    const rest = await restChat(a, "faults").catch((error: unknown) => error);
    expect(rest).toBeInstanceOf(OpenAI.APIError);
    expect((rest as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((rest as InstanceType<typeof OpenAI.APIError>).code).toBe("unavailable");
    const rpc = await rpcClient(b)
      .complete({ chat: rpcChat }, { headers: { authorization: `Bearer ${secretOf("faults")}` } })
      .catch((error: unknown) => ConnectError.from(error));
    expect(rpc).toBeInstanceOf(ConnectError);
    expect((rpc as ConnectError).code).toBe(Code.Unavailable);
    const detail = (rpc as ConnectError).findDetails(ErrorDetailSchema)[0];
    expect(detail?.code).toBe("unavailable");
    expect(detail?.retryable).toBe(true);
    expect(await degradedGauge(a, "budgets")).toBe(1);
    expect(await degradedGauge(b, "budgets")).toBe(1);
    expect(a.logged).toContainEqual({
      level: 50,
      msg: "the budget store failed: calls are refused with unavailable",
    });

    // With fail_open, the same outage admits calls unbudgeted, with a warning.
    await expect(restChat(open, "faults")).resolves.toBeDefined();
    expect(await degradedGauge(open, "budgets")).toBe(1);
    expect(open.logged).toContainEqual({
      level: 40,
      msg: "the budget store failed: calls are admitted unbudgeted (budgets.fail_open)",
    });

    await redis.restart();
    // Each replica reconnects on its own backoff (at most 1 s apart), with no restart.
    const served = (gw: Replica) => async () =>
      restChat(gw, "faults").then(
        () => true,
        () => false,
      );
    for (const gw of [a, b, open]) await eventually(served(gw));
    for (const gw of [a, b, open]) expect(await degradedGauge(gw, "budgets")).toBe(0);
  });
});
