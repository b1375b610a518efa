import { create, type MessageInitShape } from "@bufbuild/protobuf";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, CompleteResponseSchema, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { type TokenUsage, TokenUsageSchema } from "../../../gen/llmgw/v1/usage_pb.js";
import { budgetsSchema } from "../../config/budgets-schema.ts";
import type { ModelPricing } from "../../config/schema.ts";
import { type Call, createCall, type KeyInfo } from "../../core/call.ts";
import { compose, type Next } from "../../core/chain.ts";
import { type Pipeline, withEndHooks } from "../../core/end-runner.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { adHocDeployment } from "../../routing/ad-hoc-deployment.ts";
import type { Deployment } from "../../routing/deployment.ts";
import type { Route } from "../../routing/model-router.ts";
import type { BudgetStore } from "../../state/budget-store.ts";
import { MemoryBudgetStore } from "../../state/memory/memory-budget-store.ts";
import { type AlertSinks, type BudgetAlert, BudgetAlerts } from "./budget-alerts.ts";
import { BudgetLimits } from "./budget-limits.ts";
import { PeriodClock } from "./budget-period.ts";
import { budgetPolicy } from "./budget-policy.ts";

// Fixtures: a real memory store, a settable clock, the real end-hook runner around the policy, a fake next.

function deployment(id: string, pricing: ModelPricing | undefined): Deployment {
  const route = { provider: "p", model: id, pricing: pricing && { ...pricing, source: "config" } };
  return adHocDeployment(route as unknown as Route);
}

/** A chat of one 40-character message: 17 prompt tokens by the routing estimate. */
function chatCall(key: KeyInfo | undefined, deployments: Deployment[], maxTokens?: number): Call {
  const call = createCall({
    requestId: "r1",
    surface: "test",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
    chat: create(ChatRequestSchema, {
      model: "m",
      maxTokens,
      messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "a".repeat(40) } }] }],
    }),
  });
  call.key = key;
  call.plan = {
    requested: "m",
    deployments,
    decision: { strategy: "single", score: undefined, complexity: "" },
    fallback: true,
    priority: 0,
  };
  return call;
}

function key(name: string, team = ""): KeyInfo {
  return { name, team, admin: false, priority: 0 };
}

function usage(fields: MessageInitShape<typeof TokenUsageSchema>): TokenUsage {
  return create(TokenUsageSchema, fields);
}

/** A next that answers with `usage` from the plan's first deployment, after running `during`. */
function answering(usageOf: () => TokenUsage, during: (call: Call) => void | Promise<void> = () => {}): Next {
  return async (call) => {
    call.served = call.plan?.deployments[0];
    await during(call);
    return { kind: "complete", response: create(CompleteResponseSchema, { usage: usageOf() }) };
  };
}

interface Harness {
  readonly store: BudgetStore & MemoryBudgetStore;
  readonly clock: PeriodClock;
  readonly alerts: BudgetAlert[];
  readonly counted: string[];
  readonly warnings: string[];
  /** Moves the clock. */
  at(iso: string): void;
  pipeline(next: Next): Pipeline;
}

function harness(
  budgets: unknown,
  options: { store?: BudgetStore; start?: string; onDegraded?: (degraded: boolean) => void } = {},
): Harness {
  const config = budgetsSchema.parse(budgets);
  let now = Date.parse(options.start ?? "2026-12-01T12:00:00Z");
  const clock = new PeriodClock(config.time_zone, () => now);
  const alerts: BudgetAlert[] = [];
  const counted: string[] = [];
  const warnings: string[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
  const sinks: AlertSinks = {
    log: pino({ level: "silent" }),
    count: (level, threshold) => counted.push(`${level}:${threshold}`),
    webhook: (alert) => alerts.push(alert),
  };
  const store = (options.store ?? new MemoryBudgetStore()) as BudgetStore & MemoryBudgetStore;
  const policy = budgetPolicy({
    limits: new BudgetLimits(config),
    store,
    clock,
    defaultMaxTokens: config.default_max_tokens,
    failOpen: config.fail_open,
    alerts: new BudgetAlerts(config.alerts.thresholds, sinks),
    log,
    onDegraded: options.onDegraded,
  });
  return {
    store,
    clock,
    alerts,
    counted,
    warnings,
    at(iso) {
      now = Date.parse(iso);
    },
    pipeline: (next) => withEndHooks(compose([policy], next), () => {}),
  };
}

/** Lets the settlement (a promise the end hook starts) finish. */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const A = deployment("a", { input: 1, output: 2 });
const B = deployment("b", { input: 2, output: 10, cached_input: 0.5, cache_write: 3 });
const FREE = deployment("free", undefined);
const DAY_USD = (usd: number) => ({ per_key: [{ usd, period: "day" }] });

describe("the budget policy", () => {
  it("reserves the worst case over the plan's deployments, in micro-dollars and tokens", async () => {
    const h = harness({ per_key: [{ usd: 1, tokens: 10_000, period: "day" }] });
    const held: number[] = [];
    const next = answering(
      () => usage({ promptTokens: 17, completionTokens: 10 }),
      async () => {
        held.push((await h.store.get({ scope: "usd:key:alice", period: "day:2026-12-01" }, 0)).reserved);
        held.push((await h.store.get({ scope: "tokens:key:alice", period: "day:2026-12-01" }, 0)).reserved);
      },
    );
    // 17 prompt tokens at B's dearest prompt price (cache_write, $3/M) and 100 completion tokens at $10/M.
    await h.pipeline(next)(chatCall(key("alice"), [A, B], 100));
    expect(held).toEqual([17 * 3 + 100 * 10, 117]);
    // Without fallback only the first deployment can serve: A's price.
    const solo = chatCall(key("alice"), [A, B], 100);
    solo.plan = { ...(solo.plan as NonNullable<Call["plan"]>), fallback: false };
    held.length = 0;
    await h.pipeline(next)(solo);
    expect(held[0]).toBe(17 * 1 + 100 * 2);
  });

  it("uses default_max_tokens when the request sets none", async () => {
    const h = harness({ ...DAY_USD(1), default_max_tokens: 50 });
    let reserved = -1;
    await h.pipeline(
      answering(
        () => usage({}),
        async () => {
          reserved = (await h.store.get({ scope: "usd:key:alice", period: "day:2026-12-01" }, 0)).reserved;
        },
      ),
    )(chatCall(key("alice"), [A]));
    expect(reserved).toBe(17 + 50 * 2);
  });

  it("settles the real cost, cached prompt tokens at the cached price, and frees the reservation", async () => {
    const h = harness({ per_key: [{ usd: 1, tokens: 10_000, period: "day" }] });
    const real = usage({ promptTokens: 1000, cachedPromptTokens: 800, completionTokens: 50 });
    await h.pipeline(answering(() => real))(chatCall(key("alice"), [B], 100));
    await settled();
    const usd = await h.store.get({ scope: "usd:key:alice", period: "day:2026-12-01" }, 0);
    const tokens = await h.store.get({ scope: "tokens:key:alice", period: "day:2026-12-01" }, 0);
    // 200 fresh at $2/M, 800 cached at $0.50/M, 50 completion at $10/M.
    expect(usd).toMatchObject({ spent: 200 * 2 + 800 * 0.5 + 50 * 10, reserved: 0 });
    expect(tokens).toMatchObject({ spent: 1050, reserved: 0 });
  });

  it("refuses with budget_exhausted, naming the budget, its standing and when it resets", async () => {
    const h = harness({ per_key: [{ usd: 0.003, period: "day" }] });
    h.store.seed({ scope: "usd:key:alice", period: "day:2026-12-01" }, 2800);
    let reached = false;
    const next = answering(
      () => usage({}),
      () => {
        reached = true;
      },
    );
    const refused = await h
      .pipeline(next)(chatCall(key("alice"), [A], 100))
      .catch((e: unknown) => e);
    expect(reached).toBe(false);
    expect(refused).toMatchObject({ code: "budget_exhausted", retryable: false });
    expect((refused as Error).message).toBe(
      'budget exhausted: the key "alice" daily USD budget has $0.0028 spent of $0.003, and this request ' +
        "may need up to $0.000217; it resets at 2026-12-02T00:00:00.000Z (budgets run in UTC)",
    );
    // Another key has its own budget.
    await expect(h.pipeline(next)(chatCall(key("bob"), [A], 100))).resolves.toBeDefined();
  });

  it("releases the reservation of a call that failed without consuming anything", async () => {
    const h = harness(DAY_USD(1));
    const failing: Next = async () => {
      throw new GatewayError("upstream_unavailable", "down");
    };
    await expect(h.pipeline(failing)(chatCall(key("alice"), [A], 100))).rejects.toMatchObject({
      code: "upstream_unavailable",
    });
    await settled();
    expect(await h.store.get({ scope: "usd:key:alice", period: "day:2026-12-01" }, 0)).toMatchObject({
      spent: 0,
      reserved: 0,
    });
  });

  it("checks the key's, its team's and the global budgets, and rolls spend up into each", async () => {
    const h = harness({
      per_key: [{ usd: 1, period: "day" }],
      teams: { search: [{ usd: 0.0005, period: "month" }] },
      global: [{ tokens: 1000, period: "day" }],
    });
    const next = answering(() => usage({ promptTokens: 100, completionTokens: 100 }));
    // $0.0003 and 200 tokens each.
    await h.pipeline(next)(chatCall(key("alice", "search"), [A], 100));
    await settled();
    const team = await h.store.get({ scope: "usd:team:search", period: "month:2026-12" }, 0);
    const global = await h.store.get({ scope: "tokens:global", period: "day:2026-12-01" }, 0);
    expect(team.spent).toBe(300);
    expect(global.spent).toBe(200);
    // Bob's own budget has room, his team's does not: 300 + 217 > 500.
    const refused = await h
      .pipeline(next)(chatCall(key("bob", "search"), [A], 100))
      .catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(
      /team "search" monthly USD budget has \$0.0003 spent of \$0.0005/,
    );
    // A key outside the team is held to the global token budget only besides its own.
    await h.pipeline(next)(chatCall(key("carol"), [A], 100));
    await settled();
    expect((await h.store.get({ scope: "tokens:global", period: "day:2026-12-01" }, 0)).spent).toBe(400);
  });

  it("reserves no USD for a model without a price, but counts its tokens", async () => {
    const h = harness({ per_key: [{ usd: 0.000001, tokens: 200, period: "day" }] });
    const next = answering(() => usage({ promptTokens: 17, completionTokens: 100 }));
    await h.pipeline(next)(chatCall(key("alice"), [FREE], 100));
    await settled();
    expect(await h.store.get({ scope: "usd:key:alice", period: "day:2026-12-01" }, 0)).toMatchObject({
      spent: 0,
      reserved: 0,
    });
    expect((await h.store.get({ scope: "tokens:key:alice", period: "day:2026-12-01" }, 0)).spent).toBe(117);
    // 117 spent + 117 more would pass the 200-token cap.
    await expect(h.pipeline(next)(chatCall(key("alice"), [FREE], 100))).rejects.toMatchObject({
      code: "budget_exhausted",
    });
  });

  it("starts a new period at midnight in the configured time zone", async () => {
    // Paris is UTC+1 in December: its 2 December begins at 23:00 UTC on the 1st.
    const h = harness({ ...DAY_USD(0.0003), time_zone: "Europe/Paris" }, { start: "2026-12-01T22:30:00Z" });
    const next = answering(() => usage({ promptTokens: 17, completionTokens: 100 }));
    await h.pipeline(next)(chatCall(key("alice"), [A], 100));
    await settled();
    const refused = await h
      .pipeline(next)(chatCall(key("alice"), [A], 100))
      .catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(
      /resets at 2026-12-01T23:00:00.000Z \(budgets run in Europe\/Paris\)$/,
    );
    h.at("2026-12-01T23:00:00Z");
    await expect(h.pipeline(next)(chatCall(key("alice"), [A], 100))).resolves.toBeDefined();
    await settled();
    expect((await h.store.get({ scope: "usd:key:alice", period: "day:2026-12-02" }, 0)).spent).toBe(217);
    expect((await h.store.get({ scope: "usd:key:alice", period: "day:2026-12-01" }, 0)).spent).toBe(217);
  });

  it("alerts at each threshold once per period: log, counter and webhook", async () => {
    const h = harness({ per_key: [{ tokens: 100, period: "day" }] });
    // 17 prompt + 8 completion tokens reserved, and used, per call: 25.
    const next = answering(() => usage({ promptTokens: 17, completionTokens: 8 }));
    const send = async () => {
      await h.pipeline(next)(chatCall(key("alice"), [A], 8));
      await settled();
    };
    await send();
    expect(h.alerts).toEqual([]);
    await send(); // 50
    expect(h.alerts.map((a) => a.threshold)).toEqual([0.5]);
    await send(); // 75
    await send(); // 100: 0.8 and 1.0 at once
    expect(h.alerts.map((a) => a.threshold)).toEqual([0.5, 0.8, 1]);
    expect(h.alerts[2]).toMatchObject({
      type: "budget.threshold",
      scope: "key:alice",
      level: "key",
      unit: "tokens",
      period: "day:2026-12-01",
      spent: 100,
      cap: 100,
      resets_at: "2026-12-02T00:00:00.000Z",
    });
    await expect(send()).rejects.toMatchObject({ code: "budget_exhausted" });
    expect(h.alerts).toHaveLength(3);
    expect(h.counted).toEqual(["key:0.5", "key:0.8", "key:1"]);
    h.at("2026-12-02T00:00:01Z");
    await send();
    await send();
    expect(h.alerts.map((a) => `${a.period}@${a.threshold}`).slice(3)).toEqual(["day:2026-12-02@0.5"]);
  });

  it("fails closed with a retryable `unavailable` when the store fails", async () => {
    const broken = brokenStore();
    const h = harness(DAY_USD(1), { store: broken });
    await expect(h.pipeline(answering(() => usage({})))(chatCall(key("alice"), [A]))).rejects.toMatchObject({
      code: "unavailable",
      retryable: true,
    });
  });

  it("logs the store's failure once, reports degraded, and recovers on the next answer", async () => {
    const memory = new MemoryBudgetStore();
    let down = true;
    const flaky: BudgetStore = {
      reserve: (r) => (down ? Promise.reject(new Error("connection refused")) : memory.reserve(r)),
      settle: (s) => memory.settle(s),
      get: (c, cap) => memory.get(c, cap),
      close: () => memory.close(),
    };
    const changes: boolean[] = [];
    const h = harness(DAY_USD(1), { store: flaky, onDegraded: (d) => changes.push(d) });
    const run = h.pipeline(answering(() => usage({})));
    for (let i = 0; i < 3; i++)
      await expect(run(chatCall(key("alice"), [A]))).rejects.toMatchObject({ code: "unavailable" });
    expect(h.warnings).toEqual(["the budget store failed: calls are refused with unavailable"]);
    expect(changes).toEqual([true]);
    down = false;
    await expect(run(chatCall(key("alice"), [A]))).resolves.toBeDefined();
    expect(changes).toEqual([true, false]);
    expect(h.warnings.at(-1)).toBe("the budget store answers again");
  });

  it("admits with a warning when the store fails and fail_open is set", async () => {
    const h = harness({ ...DAY_USD(1), fail_open: true }, { store: brokenStore() });
    await expect(h.pipeline(answering(() => usage({})))(chatCall(key("alice"), [A]))).resolves.toBeDefined();
    expect(h.warnings.some((w) => w.includes("budgets.fail_open"))).toBe(true);
  });
});

function brokenStore(): BudgetStore {
  const down = () => Promise.reject(new Error("connection refused"));
  return { reserve: down, settle: down, get: down, close: () => Promise.resolve() };
}
