import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatRequestSchema, ChatService, Role } from "../gen/llmgw/v1/chat_pb.js";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import { getBudget, getSpend, listBudgets, setBudget } from "../sdk/budgets.ts";
import { createLlmgwClient } from "../sdk/client.ts";
import { createNodeTransport } from "../sdk/node-transport.ts";
import type { BudgetView } from "../server/policy/budget/budget-control.ts";
import { estimateChatTokens } from "../server/routing/prompt-size.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { ledgerEntries } from "./harness/observe.ts";
import { HELLO, openaiClient } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Budgets against a real gateway and the mock upstream, whose token counts
 * are deterministic: `mock-small` costs nothing per prompt token and $0.015
 * per completion token, so a request with max_tokens 10 (and the mock told
 * to answer 10 tokens) has a worst case, and a real cost, of exactly $0.15.
 */

const SECRET = "budget-webhook-secret-0123";
const KEYS = [
  ...["rest-racer", "rpc-racer", "canceller", "alerted"].map((name) => ({
    name,
    key: `sk-${name}-0123456789`,
    ...(name.endsWith("-racer") ? { team: "racers" } : {}),
  })),
  { name: "admin", key: "sk-admin-0123456789", admin: true },
];
const secretOf = (name: string) => `sk-${name}-0123456789`;

interface Received {
  body: string;
  valid: boolean;
}

let gw: TestGateway;
let hook: Server;
const received: Received[] = [];

function budgetConfig(webhookUrl: string) {
  return {
    keys: KEYS,
    providers: undefined as unknown,
    budgets: {
      per_key: [{ usd: 0.45, period: "day" }],
      keys: { alerted: [{ usd: 1.5, period: "day" }] },
      alerts: { webhook: { url: webhookUrl, secret: SECRET, retries: 2, timeout_ms: 2000 } },
    },
  };
}

function providers(mockUrl: string) {
  return [
    {
      name: "mock",
      base_url: `${mockUrl}/v1`,
      models: [
        { id: "mock-small", pricing: { input: 0, output: 15_000 } },
        { id: "mock-large", pricing: { input: 1_000, output: 2_000 } },
      ],
    },
  ];
}

beforeAll(async () => {
  // Every test here counts one UTC day's spend (budgets.time_zone defaults to UTC), and later ones the
  // spend of earlier ones: the whole file stays clear of midnight.
  await freshWindow(86_400_000, 60_000);
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk));
    req.on("end", () => {
      const header = Buffer.from(String(req.headers["x-llmgw-signature"] ?? ""));
      const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
      received.push({ body, valid: header.length === expected.length && timingSafeEqual(header, expected) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
  gw = await startTestGateway({
    config: (mockUrl) => ({ ...budgetConfig(webhookUrl), providers: providers(mockUrl) }),
  });
}, 90_000);

afterAll(async () => {
  await gw?.close();
  hook?.close();
});

async function budgetOf(name: string, gateway: TestGateway = gw): Promise<BudgetView> {
  const views = await gateway.running.services.budgets?.forPayer({ name, team: "" });
  const view = views?.[0];
  if (view === undefined) throw new Error(`no budget for ${name}`);
  return view;
}

/** Waits until `check` holds (the settlement and the ledger row follow the answer by a moment). */
async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const RACE = 50;
/** 10 completion tokens at $0.015: $0.15, worst case and real cost alike; slow enough that all 50 overlap. */
const PRICED = { tokens: 10, itl_ms: 20 };

describe("budgets", () => {
  it("admits at most 3 of 50 concurrent $0.15 requests against $0.45 over REST, refusing the rest with insufficient_quota", async () => {
    const client = openaiClient(gw, secretOf("rest-racer"));
    const results = await Promise.allSettled(
      Array.from({ length: RACE }, () =>
        client.chat.completions.create({
          model: "mock-small",
          messages: HELLO,
          max_tokens: 10,
          // @ts-expect-error the mock's controls ride in the body
          mock: PRICED,
        }),
      ),
    );
    const admitted = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) =>
      r.status === "rejected" ? [r.reason as InstanceType<typeof OpenAI.APIError>] : [],
    );
    expect(admitted.length).toBeLessThanOrEqual(3);
    expect(admitted.length).toBe(3);
    expect(refused).toHaveLength(RACE - 3);
    for (const error of refused) {
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(429);
      expect(error.type).toBe("insufficient_quota");
      expect(error.code).toBe("budget_exhausted");
      // A spent budget is a 429 that retrying cannot fix: the SDKs read this before their status rules.
      expect(error.headers?.get("x-should-retry")).toBe("false");
    }
    expect(refused[0]?.message).toMatch(
      /key "rest-racer" daily USD budget has \$0\.\d+ spent( and \$0\.\d+ held by calls in flight)? of \$0\.45, and this request may need up to \$0\.15; it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/,
    );
    await eventually(async () => (await budgetOf("rest-racer")).reserved === 0);
    const budget = await budgetOf("rest-racer");
    expect(budget.spent).toBeLessThanOrEqual(0.45 + 0.15);
    expect(budget.spent).toBeCloseTo(0.45, 9);
    const rows = (await ledgerEntries(gw)).filter((r) => r.key === "rest-racer");
    const ledgerSpend = rows.reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
    expect(ledgerSpend).toBeLessThanOrEqual(0.45 + 0.15 + 1e-9);
    expect(rows.filter((r) => r.status === "budget_exhausted")).toHaveLength(RACE - 3);
  });

  it("admits at most 3 of 50 concurrent $0.15 requests against $0.45 over RPC, refusing the rest with ResourceExhausted", async () => {
    const client = createClient(ChatService, createConnectTransport({ baseUrl: gw.url, httpVersion: "2" }));
    const headers = { authorization: `Bearer ${secretOf("rpc-racer")}` };
    const chat = create(ChatRequestSchema, {
      model: "mock:mock-small",
      maxTokens: 10,
      messages: [
        { role: Role.USER, content: [{ part: { case: "text", value: "Hello there, mock upstream!" } }] },
      ],
      extra: { mock: PRICED },
    });
    const results = await Promise.allSettled(
      Array.from({ length: RACE }, () => client.complete({ chat }, { headers })),
    );
    const admitted = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [ConnectError.from(r.reason)] : []));
    expect(admitted).toHaveLength(3);
    expect(refused).toHaveLength(RACE - 3);
    for (const error of refused) {
      expect(error.code).toBe(Code.ResourceExhausted);
      const detail = error.findDetails(ErrorDetailSchema)[0];
      expect(detail?.code).toBe("budget_exhausted");
      expect(detail?.retryable).toBe(false);
    }
    await eventually(async () => (await budgetOf("rpc-racer")).reserved === 0);
    const budget = await budgetOf("rpc-racer");
    expect(budget.spent).toBeLessThanOrEqual(0.45 + 0.15);
    expect(budget.spent).toBeCloseTo(0.45, 9);
  });

  it("bills a stream cancelled after 10 tokens for its prompt and those 10 tokens, and releases the rest of its reservation", async () => {
    const client = openaiClient(gw, secretOf("canceller"));
    const stream = await client.chat.completions.create({
      model: "mock-large",
      messages: HELLO,
      max_tokens: 100,
      stream: true,
      stream_options: { include_usage: true },
      // @ts-expect-error the mock's controls ride in the body
      mock: { tokens: 100, itl_ms: 60 },
    });
    let tokens = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) tokens++;
      if (tokens === 10) break; // the SDK aborts the request
    }
    expect(tokens).toBe(10);
    // The gateway's own prompt estimate, as the reservation used it.
    const prompt = estimateChatTokens(
      create(ChatRequestSchema, {
        messages: [
          { role: Role.USER, content: [{ part: { case: "text", value: "Hello there, mock upstream!" } }] },
        ],
      }),
    );
    await eventually(async () => (await ledgerEntries(gw)).some((r) => r.key === "canceller"));
    const row = (await ledgerEntries(gw)).find((r) => r.key === "canceller");
    expect(row).toMatchObject({ status: "cancelled", promptTokens: prompt, estimated: true });
    // What was handed on before the cancel reached the gateway: the 10 read, and on a busy machine the
    // one more that was already on its way (the mock sends one every 60 ms); never the 100 reserved.
    const completion = row?.completionTokens ?? 0;
    expect(completion).toBeGreaterThanOrEqual(10);
    expect(completion).toBeLessThanOrEqual(11);
    // $1,000 per million prompt tokens, $2,000 per million completion tokens.
    const cost = (prompt * 1_000 + completion * 2_000) / 1e6;
    expect(row?.costUsd).toBeCloseTo(cost, 9);
    await eventually(async () => (await budgetOf("canceller")).reserved === 0);
    expect(await budgetOf("canceller")).toMatchObject({ reserved: 0, spent: cost });
  });

  it("posts the 50, 80 and 100 % alerts once each, signed, and counts them", async () => {
    const client = openaiClient(gw, secretOf("alerted"));
    // $1.50 at $0.15 a request: the 5th, 8th and 10th cross 50, 80 and 100 %; the 11th is refused.
    for (let i = 0; i < 11; i++) {
      const sent = client.chat.completions.create({
        model: "mock-small",
        messages: HELLO,
        max_tokens: 10,
        // @ts-expect-error the mock's controls ride in the body
        mock: { tokens: 10 },
      });
      if (i < 10) await sent;
      else await expect(sent).rejects.toMatchObject({ status: 429, type: "insufficient_quota" });
      // Settlement (and so the alert) follows the answer; let it land before the next request.
      await eventually(async () => (await budgetOf("alerted")).reserved === 0);
    }
    const mine = () => received.filter((r) => JSON.parse(r.body).scope === "key:alerted");
    await eventually(async () => mine().length >= 3);
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would have arrived by now
    expect(mine().every((r) => r.valid)).toBe(true);
    const alerts = mine().map((r) => JSON.parse(r.body));
    expect(alerts.map((a) => a.threshold)).toEqual([0.5, 0.8, 1]);
    expect(alerts[2]).toMatchObject({ type: "budget.threshold", level: "key", unit: "usd", cap: 1.5 });
    expect(alerts[2].spent).toBeCloseTo(1.5, 9);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/llmgw_budget_alerts_total\{scope="key",threshold="1"\} [1-9]/);
  });

  it("reports spend from the ledger by day, key, team and model over GetSpend", async () => {
    const sdk = (name: string) =>
      createLlmgwClient(
        createNodeTransport({ baseUrl: gw.url, apiKey: secretOf(name), protocol: "connect" }),
      );
    await ledgerEntries(gw); // the ledger has written every row so far
    const admin = sdk("admin");
    const racers = await getSpend(admin, { team: "racers" });
    const today = new Date().toISOString().slice(0, 10);
    // Served calls are rows of the served model; refusals before routing, of the model asked for.
    expect(new Set(racers.rows.map((r) => `${r.day} ${r.key} ${r.team}`))).toEqual(
      new Set([`${today} rest-racer racers`, `${today} rpc-racer racers`]),
    );
    for (const key of ["rest-racer", "rpc-racer"]) {
      const rows = racers.rows.filter((r) => r.key === key);
      const cost = rows.reduce((sum, r) => sum + r.costUsd, 0);
      expect(cost).toBeCloseTo((await budgetOf(key)).spent, 9);
      expect(rows.reduce((sum, r) => sum + r.requests, 0)).toBe(50); // refusals are rows too, at no cost
    }
    expect(racers.totalCostUsd).toBeCloseTo(0.9, 9);
    expect(racers.totalRequests).toBe(100);
    // A key that is not an admin key sees its own spend, and only that.
    const own = await getSpend(sdk("canceller"));
    expect(new Set(own.rows.map((r) => r.key))).toEqual(new Set(["canceller"]));
    expect(own.totalCostUsd).toBeCloseTo((await budgetOf("canceller")).spent, 9);
    await expect(getSpend(sdk("canceller"), { key: "rest-racer" })).rejects.toMatchObject({
      code: Code.PermissionDenied,
    });
    const none = await getSpend(admin, { team: "racers", end: new Date(Date.now() - 86_400_000 * 2) });
    expect(none).toEqual({ rows: [], totalCostUsd: 0, totalTokens: 0, totalRequests: 0 });
  });

  it("shows budgets over BudgetService, each key its own, and lets an admin change a cap", async () => {
    const sdk = (name: string) =>
      createLlmgwClient(
        createNodeTransport({ baseUrl: gw.url, apiKey: secretOf(name), protocol: "connect" }),
      );
    const own = await getBudget(sdk("canceller"));
    const tomorrow = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`).getTime() + 86_400_000;
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({
      scope: "key:canceller",
      unit: "usd",
      period: "day",
      limit: 0.45,
      reserved: 0,
    });
    expect(own[0]?.spent).toBeCloseTo((await budgetOf("canceller")).spent, 9);
    expect(own[0]?.resetsAt.getTime()).toBe(tomorrow);
    const denied = await getBudget(sdk("canceller"), "rest-racer").catch((e: unknown) =>
      ConnectError.from(e),
    );
    expect((denied as ConnectError).code).toBe(Code.PermissionDenied);
    await expect(listBudgets(sdk("canceller"))).rejects.toMatchObject({ code: Code.PermissionDenied });
    const admin = sdk("admin");
    expect((await listBudgets(admin)).map((b) => b.scope)).toContain("key:rpc-racer");
    // rest-racer spent its $0.45: raised to $0.60, it has room for one more $0.15 request.
    const raised = await setBudget(admin, "key:rest-racer", "day", { usd: 0.6 });
    expect(raised).toMatchObject([{ scope: "key:rest-racer", limit: 0.6 }]);
    const client = openaiClient(gw, secretOf("rest-racer"));
    const send = () =>
      client.chat.completions.create({
        model: "mock-small",
        messages: HELLO,
        max_tokens: 10,
        // @ts-expect-error the mock's controls ride in the body
        mock: { tokens: 10 },
      });
    await send();
    await eventually(async () => (await budgetOf("rest-racer")).reserved === 0);
    await expect(send()).rejects.toMatchObject({ status: 429, code: "budget_exhausted" });
    await expect(setBudget(admin, "user:x", "day", { usd: 1 })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  it("keeps the day's spend across a restart: it is rebuilt from the ledger", async () => {
    const before = await budgetOf("alerted");
    await ledgerEntries(gw); // the ledger has written every row
    const again = await startTestGateway({
      config: (mockUrl) => ({
        ...budgetConfig("http://127.0.0.1:9/unused"),
        providers: providers(mockUrl),
        usage: { path: gw.ledgerPath },
      }),
    });
    try {
      const after = await budgetOf("alerted", again);
      expect(after.spent).toBeCloseTo(before.spent, 6);
      expect(after.reserved).toBe(0);
      const refused = await openaiClient(again, secretOf("alerted"))
        .chat.completions.create({ model: "mock-small", messages: HELLO, max_tokens: 10 })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ status: 429, code: "budget_exhausted" });
    } finally {
      await again.close();
    }
  });
});
