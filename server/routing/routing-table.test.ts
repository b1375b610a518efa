import { describe, expect, it } from "vitest";
import { routingSchema } from "../config/routing-schema.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import { parseConfig, recordingFactories, testTable } from "./test-routing.ts";

const ROUTING = {
  strategy: "latency",
  timeouts: { ttft_ms: 5_000 },
  models: [
    {
      name: "chat",
      strategy: "cost",
      deployments: [
        { provider: "cloud", model: "gpt-4o", priority: 1, timeouts: { ttft_ms: 2_000 } },
        { id: "gpu", provider: "local", model: "llama-8b", max_concurrency: 2, max_queue: 3, quality: 0.4 },
        { provider: "other", model: "mystery", tags: ["local"], context_window: 4_096 },
      ],
      fallbacks: ["big"],
    },
    {
      name: "big",
      deployments: [
        { provider: "local", model: "llama-70b" },
        { provider: "cloud", model: "gpt-4o" },
      ],
      fallbacks: ["chat", "bigger"],
    },
    { name: "bigger", deployments: [{ provider: "cloud", model: "gpt-4o-mini" }], fallbacks: ["big"] },
  ],
};

describe("RoutingTable", () => {
  it("builds each deployment from its config, the provider and the catalogue", () => {
    const { table } = testTable(ROUTING);
    const chat = table.model("chat");
    expect(chat?.strategy.name).toBe("cost");
    expect(table.model("big")?.strategy.name).toBe("latency");
    // By tier, config order within one.
    expect(chat?.deployments.map((d) => d.id)).toEqual(["gpu", "other:mystery", "cloud:gpt-4o"]);
    const [gpu, mystery, gpt] = chat?.deployments ?? [];
    expect(gpu).toMatchObject({ provider: "local", model: "llama-8b", local: true, quality: 0.4, weight: 1 });
    expect(gpu?.facts).toMatchObject({ contextWindow: 8_192, supportsTools: false });
    // Hosted, but tagged local; its own context window over the catalogue's.
    expect(mystery).toMatchObject({ local: true, tags: ["local"], pricing: undefined });
    expect(mystery?.facts.contextWindow).toBe(4_096);
    // The built-in price table prices gpt-4o; the deployment's ttft over the routing default's.
    expect(gpt).toMatchObject({ local: false, priority: 1 });
    expect(gpt?.pricing).toMatchObject({ input: 2.5, output: 10 });
    expect(gpt?.facts.contextWindow).toBe(128_000);
    expect(gpt?.timeouts).toEqual({ totalMs: 600_000, ttftMs: 2_000, interTokenMs: 30_000 });
    expect(gpu?.timeouts.ttftMs).toBe(5_000);
    expect(gpt?.adapter.name).toBe("cloud");
  });

  it("lists every routed deployment once, sharing live state by id across models", () => {
    const { table } = testTable(ROUTING);
    expect(table.deployments().map((d) => d.id)).toEqual([
      "cloud:gpt-4o",
      "gpu",
      "other:mystery",
      "local:llama-70b",
      "cloud:gpt-4o-mini",
    ]);
    const inChat = table.model("chat")?.deployments.find((d) => d.id === "cloud:gpt-4o");
    const inBig = table.model("big")?.deployments.find((d) => d.id === "cloud:gpt-4o");
    expect(inChat?.live).toBe(inBig?.live);
  });

  it("resolves fallbacks breadth first, each model once, each deployment once", () => {
    const { table } = testTable(ROUTING);
    const groups = table.model("chat")?.fallbacks ?? [];
    // big's gpt-4o is already chat's; big falls back to chat (visited) and bigger.
    expect(groups.map((g) => [g.model, g.deployments.map((d) => d.id)])).toEqual([
      ["big", ["local:llama-70b"]],
      ["bigger", ["cloud:gpt-4o-mini"]],
    ]);
    expect(table.model("bigger")?.fallbacks.map((g) => g.model)).toEqual(["big", "chat"]);
  });

  it("makes a queue only for max_concurrency and breakers only when enabled", () => {
    const made = recordingFactories();
    testTable(ROUTING, made.options);
    expect(made.queues.map((q) => [q.id, q.settings])).toEqual([
      ["gpu", { maxConcurrency: 2, maxQueue: 3, queueTimeoutMs: 30_000 }],
    ]);
    expect(made.breakers.map((b) => b.id)).toEqual([
      "cloud:gpt-4o",
      "gpu",
      "other:mystery",
      "local:llama-70b",
      "cloud:gpt-4o-mini",
    ]);
    expect(made.breakers[0]?.settings).toEqual({
      consecutiveFailures: 5,
      failureRatio: 0.5,
      ratioWindowMs: 30_000,
      ratioMinRequests: 20,
      halfOpenAfterMs: 15_000,
    });

    const off = recordingFactories();
    const { table } = testTable({ ...ROUTING, breaker: { enabled: false } }, off.options);
    expect(off.breakers).toEqual([]);
    expect(table.deployments().every((d) => d.live.breaker === undefined)).toBe(true);
    // No factories: no queues at all.
    expect(testTable(ROUTING).table.model("chat")?.deployments[0]?.live.queue).toBeUndefined();
  });

  it("keeps live state by id across an update, and makes a queue again only when its settings change", () => {
    const made = recordingFactories();
    const { table } = testTable(ROUTING, made.options);
    const gpu = () => table.model("chat")?.deployments.find((d) => d.id === "gpu");
    const before = gpu();
    if (before === undefined) throw new Error("no gpu deployment");
    before.live.stats.attempts = 7;
    const queue = before.live.queue;

    const reweighted = structuredClone(ROUTING);
    reweighted.models[0]?.deployments.forEach((d) => {
      if ("id" in d) Object.assign(d, { weight: 5 });
    });
    table.update(parseConfig(reweighted).routing);
    expect(gpu()?.weight).toBe(5);
    expect(gpu()?.live).toBe(before.live);
    expect(made.queues).toHaveLength(1);

    const requeued = structuredClone(reweighted);
    requeued.models[0]?.deployments.forEach((d) => {
      if ("id" in d) Object.assign(d, { max_queue: 10 });
    });
    table.update(parseConfig(requeued).routing);
    expect(gpu()?.live.queue).not.toBe(queue);
    expect(made.queues.at(-1)?.settings.maxQueue).toBe(10);
    expect(gpu()?.live.stats).toBe(before.live.stats);
    expect(gpu()?.live.stats.attempts).toBe(7);
    expect(gpu()?.live.breaker).toBe(before.live.breaker);
    expect(table.current()).toEqual(parseConfig(requeued).routing);
  });

  it("forgets deployments an update removes", () => {
    const { table } = testTable(ROUTING);
    const gpu = table.model("chat")?.deployments.find((d) => d.id === "gpu");
    if (gpu === undefined) throw new Error("no gpu deployment");
    gpu.live.stats.attempts = 3;
    table.update(
      parseConfig({ models: [{ name: "chat", deployments: [{ provider: "cloud", model: "gpt-4o" }] }] })
        .routing,
    );
    expect(table.deployments().map((d) => d.id)).toEqual(["cloud:gpt-4o"]);
    expect(table.model("big")).toBeUndefined();
    table.update(parseConfig(ROUTING).routing);
    expect(table.model("chat")?.deployments.find((d) => d.id === "gpu")?.live.stats.attempts).toBe(0);
  });

  it("refuses an update naming an unknown provider, and keeps the config it had", () => {
    const { table } = testTable(ROUTING);
    // The routing schema alone (as UpdateRoutingConfig validates) cannot know the providers.
    const bad = routingSchema.parse({
      models: [
        {
          name: "chat",
          deployments: [
            { provider: "cloud", model: "gpt-4o" },
            { provider: "nope", model: "m" },
          ],
        },
      ],
    });
    expect(() => table.update(bad)).toThrow(GatewayError);
    expect(() => table.update(bad)).toThrow(/no provider is named "nope"/);
    expect(table.model("big")).toBeDefined();
    expect(table.current().models).toHaveLength(3);
  });

  it("resolves names the routing config does not list through the catalogue, with bounded live state", () => {
    const made = recordingFactories();
    const { table } = testTable(ROUTING, made.options);
    const a = table.adHoc("local:llama-8b-instruct");
    const b = table.adHoc("local:made-up-name");
    // Unknown names of one provider share one entry, and get no breaker.
    expect(a.live).toBe(b.live);
    expect(a.live.breaker).toBeUndefined();
    // A name the provider lists gets its own entry, kept across calls.
    const mini1 = table.adHoc("gpt-4o-mini");
    expect(mini1).toMatchObject({ provider: "cloud", model: "gpt-4o-mini", id: "cloud:gpt-4o-mini" });
    const claude = table.adHoc("other:claude-sonnet-4");
    expect(table.adHoc("other:claude-sonnet-4").live).toBe(claude.live);
    // A catalogue name has nothing to fall back to, so it gets no breaker either.
    expect(claude.live.breaker).toBeUndefined();
    // A catalogue name that a routed deployment serves shares its live state, queue and all.
    const gpu = table.model("chat")?.deployments.find((d) => d.id === "gpu");
    const direct = table.adHoc("local:llama-8b");
    expect(direct.live).toBe(gpu?.live);
    expect(direct.live.queue).toBeDefined();
    expect(direct.timeouts).toEqual(gpu?.timeouts);
  });

  it("builds the virtual pool from routing.virtual.pool, or every routed model", () => {
    expect(testTable(ROUTING).table.pool.deployments.map((d) => d.id)).toEqual([
      "gpu",
      "other:mystery",
      "cloud:gpt-4o",
      "local:llama-70b",
      "cloud:gpt-4o-mini",
    ]);
    const { table } = testTable({ ...ROUTING, virtual: { pool: ["bigger"], prefer_local_share: 0.5 } });
    expect(table.pool).toMatchObject({ enabled: true, preferLocalShare: 0.5 });
    expect(table.pool.deployments.map((d) => d.id)).toEqual(["cloud:gpt-4o-mini"]);
  });
});
