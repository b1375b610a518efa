import { Code, ConnectError } from "@connectrpc/connect";
import type OpenAI from "openai";
import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBudget, setBudget } from "../sdk/budgets.ts";
import {
  BudgetPeriod,
  createKey,
  createLlmgwClient,
  createNodeTransport,
  getKey,
  type LlmgwClient,
  updateKey,
} from "../sdk/index.ts";
import { freshWindow } from "./harness/fresh-window.ts";
import { failure, HELLO, openaiClient } from "./harness/openai-client.ts";
import { PostgresServer } from "./harness/postgres-server.ts";
import { RedisServer } from "./harness/redis-server.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Keys created at runtime with limits and budgets of their own, on a gateway whose config has no
 * `limits:` and no `budgets:` at all: the gateway enforces them as it enforces `limits.keys[name]`
 * and `budgets.keys[name]`, an update takes effect on the next call, and two replicas on one Redis
 * and one PostgreSQL count one key's limit together.
 *
 * The mock's `mock-small` is priced 0 per prompt token and $0.015 per completion token, so a call
 * with max_tokens 10 (and the mock told to answer 10 tokens) has a worst case, and a real cost, of
 * exactly $0.15.
 */

const ADMIN = "sk-key-quota-admin-01";
const MINUTE = 60_000;
/** Budget days are UTC days (budgets.time_zone defaults to UTC), so aligned to the epoch like a window. */
const DAY = 86_400_000;
const PRICED = { tokens: 10 };

const adminOf = (gw: TestGateway): LlmgwClient =>
  createLlmgwClient(createNodeTransport({ baseUrl: gw.url, apiKey: ADMIN, protocol: "grpc" }));

/** One chat under `key`; the answer, or the API error it was refused with. */
async function chat(gw: TestGateway, key: string, priced = false): Promise<"ok" | APIError> {
  try {
    await openaiClient(gw, key).chat.completions.create({
      model: "mock-small",
      messages: HELLO,
      ...(priced ? { max_tokens: 10, mock: PRICED } : {}),
    } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    return "ok";
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
}

describe("a stored key's own limits and budgets, with none in the config", () => {
  let gw: TestGateway;
  let admin: LlmgwClient;

  beforeAll(async () => {
    gw = await startTestGateway({
      config: (mockUrl) => ({
        keys: [{ name: "ops", key: ADMIN, admin: true }],
        providers: [
          {
            name: "mock",
            base_url: `${mockUrl}/v1`,
            models: [{ id: "mock-small", pricing: { input: 0, output: 15_000 } }],
          },
        ],
      }),
    });
    admin = adminOf(gw);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("refuses the 3rd request of a key limited to 2 a minute with rate_limited and Retry-After; raising the limit lets the next through", async () => {
    await freshWindow(MINUTE, 10_000);
    const { secret, key } = await createKey(admin, "two-a-minute", {
      limits: [{ requests: 2, window: "1m" }],
    });
    expect(key).toMatchObject({
      limitsSet: true,
      limits: [{ requests: 2n, window: "1m" }],
      budgetsSet: false,
    });
    expect(await chat(gw, secret)).toBe("ok");
    expect(await chat(gw, secret)).toBe("ok");
    const refused = await chat(gw, secret);
    expect(refused).toBeInstanceOf(APIError);
    const error = refused as APIError;
    expect(error.status).toBe(429);
    expect(error.code).toBe("rate_limited");
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThan(0);
    expect(error.message).toMatch(/key "two-a-minute" allows 2 requests per 1m/);

    const raised = await updateKey(admin, "two-a-minute", { limits: [{ requests: 3, window: "1m" }] });
    expect(raised.limits).toMatchObject([{ requests: 3n, window: "1m" }]);
    expect(await chat(gw, secret)).toBe("ok");
    expect(await chat(gw, secret)).toMatchObject({ status: 429, code: "rate_limited" });

    // Back to the config's per-key rules, of which there are none: unlimited.
    const cleared = await updateKey(admin, "two-a-minute", { limits: null });
    expect(cleared).toMatchObject({ limitsSet: false, limits: [] });
    expect(await chat(gw, secret)).toBe("ok");
  });

  it("refuses the second call of a key whose daily USD budget is one call's worst case with budget_exhausted, and GetBudget shows it", async () => {
    await freshWindow(DAY, 10_000);
    const { secret } = await createKey(admin, "one-call-a-day", {
      budgets: [{ usd: 0.15, period: "day" }],
    });
    expect(await chat(gw, secret, true)).toBe("ok");
    const refused = await chat(gw, secret, true);
    expect(refused).toMatchObject({ status: 429, code: "budget_exhausted", type: "insufficient_quota" });
    expect((refused as APIError).message).toMatch(/key "one-call-a-day" daily USD budget/);

    const budgets = await getBudget(admin, "one-call-a-day");
    expect(budgets).toHaveLength(1);
    expect(budgets[0]).toMatchObject({
      scope: "key:one-call-a-day",
      unit: "usd",
      period: "day",
      limit: 0.15,
    });
    expect(budgets[0]?.spent).toBeCloseTo(0.15, 9);
    // Its own budgets are changed where they live (UpdateKey), not through SetBudget.
    const set = await failure(setBudget(admin, "key:one-call-a-day", "day", { usd: 10 }));
    expect((set as ConnectError).rawMessage).toMatch(/has budgets of its own: change them with KeysService/);
    expect((await getKey(admin, "one-call-a-day")).budgets).toMatchObject([
      { usd: 0.15, period: BudgetPeriod.DAY },
    ]);
    await updateKey(admin, "one-call-a-day", { budgets: [{ usd: 0.3, period: "day" }] });
    expect(await chat(gw, secret, true)).toBe("ok");
    expect(await chat(gw, secret, true)).toMatchObject({ status: 429, code: "budget_exhausted" });
  });

  it("refuses rules the config file would refuse, naming the field", async () => {
    const cases: Array<[Parameters<typeof createKey>[2], RegExp]> = [
      [{ limits: [{ requests: 2 }] }, /limits\[0\]\.window: requests and tokens need a window/],
      [{ limits: [{ requests: 2, window: "1 minute" }] }, /limits\[0\]\.window: a window is/],
      [{ limits: [{ window: "1m" }] }, /limits\[0\]: a rule sets requests, tokens or concurrent/],
      [
        {
          limits: [
            { requests: 2, window: "1m" },
            { requests: 5, window: "60s" },
          ],
        },
        /limits\[1\]\.requests: another rule already limits requests over this window/,
      ],
      [{ budgets: [{ usd: -1, period: "day" }] }, /budgets\[0\]\.usd/],
      [{ budgets: [{ usd: 1 } as never] }, /budgets\[0\]\.period/],
      [
        {
          budgets: [
            { usd: 1, period: "day" },
            { tokens: 5, period: "day" },
          ],
        },
        /budgets\[1\]\.period: two "day" budgets/,
      ],
    ];
    for (const [settings, message] of cases) {
      const error = await failure(createKey(admin, "badly-ruled", settings));
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toMatch(message);
    }
    // Limits sent without limits_set are refused, not silently dropped.
    const raw = await failure(
      admin.keys.createKey({
        name: "badly-ruled",
        settings: { limits: [{ requests: 1n, window: "1m" }] },
      }),
    );
    expect((raw as ConnectError).rawMessage).toMatch(/limits given without limits_set/);
  });
});

describe("a stored key's own limit across two replicas on one Redis and one PostgreSQL", () => {
  let postgres: PostgresServer;
  let redis: RedisServer;
  let a: TestGateway;
  let b: TestGateway;

  const replica = (url: string) =>
    startTestGateway({
      config: {
        keys: [{ name: "ops", key: ADMIN, admin: true }],
        postgres: { url },
        redis: { url: redis.url },
        routing: { health: { probe_interval_ms: 0 } },
      },
    });

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([PostgresServer.start(), RedisServer.start()]);
    const url = await postgres.database();
    [a, b] = await Promise.all([replica(url), replica(url)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([postgres?.stop(), redis?.stop()]);
  });

  it("admits exactly 2 of a key's requests across both replicas when it was created on one with requests: 2", async () => {
    await freshWindow(MINUTE, 10_000);
    const { secret } = await createKey(adminOf(a), "shared-two", { limits: [{ requests: 2, window: "1m" }] });
    // Replica B learns of the key (and its limit) through the change notice: wait until it knows it.
    await expect
      .poll(async () => (await getKey(adminOf(b), "shared-two").catch(() => undefined))?.limitsSet, {
        timeout: 2_000,
        interval: 20,
      })
      .toBe(true);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => chat(i % 2 === 0 ? a : b, secret)),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(2);
    const refused = results.filter((r): r is APIError => r !== "ok");
    expect(refused).toHaveLength(8);
    for (const error of refused) {
      expect(error.status).toBe(429);
      expect(error.code).toBe("rate_limited");
      expect(error.headers?.get("retry-after")).toMatch(/^\d+$/);
    }
  });
});
