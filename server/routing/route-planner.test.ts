import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { type ChatRequest, ResponseFormatType } from "../../gen/llmgw/v1/chat_pb.js";
import { EmbedRequestSchema } from "../../gen/llmgw/v1/embeddings_pb.js";
import { createCall } from "../core/call.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import { RoutePlanner } from "./route-planner.ts";
import { chat, sequence } from "./strategies/test-candidates.ts";
import { type FakeBreaker, recordingFactories, testTable } from "./test-routing.ts";

const NOW = 5_000_000;

const ROUTING = {
  strategy: "weighted",
  models: [
    {
      name: "chat",
      strategy: "latency",
      deployments: [
        { id: "gpu", provider: "local", model: "llama-8b", quality: 0.3 },
        { id: "gpu2", provider: "local", model: "llama-70b", quality: 0.6 },
        { provider: "cloud", model: "gpt-4o", priority: 1, quality: 0.95 },
      ],
      fallbacks: ["backup"],
    },
    {
      name: "backup",
      deployments: [{ provider: "other", model: "claude-sonnet-4", quality: 0.9 }],
      fallbacks: ["long"],
    },
    { name: "long", deployments: [{ provider: "cloud", model: "gpt-4.1" }] },
    { name: "tiny", deployments: [{ provider: "local", model: "llama-8b" }] },
    {
      name: "picky",
      deployments: [
        { provider: "local", model: "llama-8b" },
        { provider: "other", model: "claude-sonnet-4" },
      ],
    },
  ],
};

function setup(routing: unknown = ROUTING, random = sequence(0.5), aliases: Record<string, string> = {}) {
  const made = recordingFactories();
  const { table } = testTable(routing, made.options, aliases);
  const planner = new RoutePlanner(table, { random, now: () => NOW });
  const deployment = (model: string, id: string) => {
    const d = table.model(model)?.deployments.find((x) => x.id === id);
    if (d === undefined) throw new Error(`no ${id} in ${model}`);
    return d;
  };
  const measure = (model: string, id: string, latencyMs: number) =>
    Object.assign(deployment(model, id).live.stats, { latencyMs, attempts: 3, measuredAt: NOW - 1_000 });
  return { table, planner, deployment, measure, breakers: made.breakers };
}

function callFor(request: ChatRequest, stream = false) {
  return createCall({
    requestId: "r1",
    surface: "test",
    signal: new AbortController().signal,
    startedAt: 0,
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream,
    chat: request,
  });
}

const ids = (plan: { deployments: readonly { id: string }[] }) => plan.deployments.map((d) => d.id);

function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

const CODE_PROMPT = `Refactor this and explain the bug:
\`\`\`ts
export async function load(id: string): Promise<User> {
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  const user = await db.query("SELECT * FROM users WHERE id = $1", [id]);
  return user;
}
\`\`\``;

describe("RoutePlanner: routed models", () => {
  it("tries priority tiers in order, the model's strategy within a tier, then the fallbacks", () => {
    const { planner, measure } = setup();
    measure("chat", "gpu", 500);
    measure("chat", "gpu2", 100);
    const plan = planner.plan(callFor(chat("hi", { model: "chat" })));
    expect(ids(plan)).toEqual(["gpu2", "gpu", "cloud:gpt-4o", "other:claude-sonnet-4", "cloud:gpt-4.1"]);
    expect(plan).toMatchObject({
      requested: "chat",
      decision: { strategy: "latency", score: 1, complexity: "" },
      fallback: true,
      priority: 0,
    });
  });

  it("lets the caller's strategy override the model's", () => {
    const { planner, measure } = setup(ROUTING, sequence(0.9));
    measure("chat", "gpu", 100);
    measure("chat", "gpu2", 500);
    const plan = planner.plan(callFor(chat("hi", { model: "chat", routing: { strategy: "weighted" } })));
    // 0.9 of the tier's weight 2 draws gpu2, though gpu is faster.
    expect(ids(plan).slice(0, 2)).toEqual(["gpu2", "gpu"]);
    expect(plan.decision).toEqual({ strategy: "weighted", score: 0.5, complexity: "" });
  });

  it("refuses a strategy it does not know, naming the ones it does", () => {
    const { planner } = setup();
    const error = thrown(() =>
      planner.plan(callFor(chat("hi", { model: "chat", routing: { strategy: "fastest" } }))),
    );
    expect(error.code).toBe("invalid_request");
    expect(error.message).toContain('"fastest"');
    expect(error.message).toContain("weighted, least-busy, latency, ttft, cost");
  });

  it("puts the preferred provider's deployments first, when the model has any", () => {
    const { planner, measure } = setup();
    measure("chat", "gpu", 100);
    measure("chat", "gpu2", 500);
    const cloud = planner.plan(callFor(chat("hi", { model: "chat", routing: { preferProvider: "cloud" } })));
    expect(ids(cloud).slice(0, 3)).toEqual(["cloud:gpt-4o", "gpu", "gpu2"]);
    // `other` serves only a fallback model: the model's own order stands.
    const other = planner.plan(callFor(chat("hi", { model: "chat", routing: { preferProvider: "other" } })));
    expect(ids(other)).toEqual(["gpu", "gpu2", "cloud:gpt-4o", "other:claude-sonnet-4", "cloud:gpt-4.1"]);
  });

  it("drops the fallback models when the caller turns fallback off", () => {
    const { planner } = setup();
    const plan = planner.plan(callFor(chat("hi", { model: "chat", routing: { noFallback: true } })));
    expect(plan.fallback).toBe(false);
    expect(ids(plan)).toHaveLength(3);
  });

  it("takes the caller's queue priority, clamped", () => {
    const { planner } = setup();
    const priority = (p: number) =>
      planner.plan(callFor(chat("hi", { model: "chat", routing: { priority: p } }))).priority;
    expect(priority(7)).toBe(7);
    expect(priority(2_000_000)).toBe(1_000);
    expect(priority(-2_000_000)).toBe(-1_000);
  });

  it("gives a request its key's queue priority unless the request sets its own", () => {
    const { planner } = setup();
    const keyed = (request: ChatRequest) => {
      const call = callFor(request);
      call.key = { name: "batch", admin: false, priority: -5, team: "" };
      return planner.plan(call).priority;
    };
    expect(keyed(chat("hi", { model: "chat" }))).toBe(-5);
    expect(keyed(chat("hi", { model: "chat", routing: { strategy: "latency" } }))).toBe(-5);
    expect(keyed(chat("hi", { model: "chat", routing: { priority: 3 } }))).toBe(3);
  });

  it("moves unhealthy and breaker-open deployments to the end", () => {
    const { planner, deployment, measure } = setup();
    measure("chat", "gpu", 100);
    measure("chat", "gpu2", 500);
    (deployment("chat", "gpu").live.breaker as FakeBreaker).state = "open";
    Object.assign(deployment("chat", "gpu2").live.health, { healthy: false, reason: "probe failed" });
    const request = chat("hi", { model: "chat" });
    expect(ids(planner.plan(callFor(request)))).toEqual([
      "cloud:gpt-4o",
      "other:claude-sonnet-4",
      "cloud:gpt-4.1",
      "gpu",
      "gpu2",
    ]);
    const reasons = planner.explain(request).candidates.map((c) => [c.id, c.reason]);
    expect(reasons.slice(-2)).toEqual([
      ["gpu", "breaker open: tried last"],
      ["gpu2", "unhealthy (probe failed): tried last"],
    ]);
  });

  it("skips a deployment whose context window cannot hold the prompt and max_tokens", () => {
    const { planner } = setup();
    // About 7,500 prompt tokens: fits 8,192 alone, not with 1,000 more to generate.
    const fits = chat("x".repeat(30_000), { model: "chat" });
    expect(ids(planner.plan(callFor(fits)))).toContain("gpu");
    const tooLong = chat("x".repeat(30_000), { model: "chat", maxTokens: 1_000 });
    expect(ids(planner.plan(callFor(tooLong)))).not.toContain("gpu");
    const skipped = planner.explain(tooLong).candidates.find((c) => c.id === "gpu");
    expect(skipped).toMatchObject({ kept: false, from: "chat" });
    expect(skipped?.reason).toMatch(
      /^context window of 8192 tokens cannot hold about 7\d{3} prompt tokens \+ 1000 max_tokens$/,
    );
  });

  it("falls back to a larger-context model when the prompt fits none of the model's own", () => {
    const { planner } = setup({
      models: [
        { name: "small", deployments: [{ provider: "local", model: "llama-8b" }], fallbacks: ["large"] },
        { name: "large", deployments: [{ provider: "local", model: "llama-70b" }] },
      ],
    });
    const plan = planner.plan(callFor(chat("x".repeat(60_000), { model: "small" })));
    expect(ids(plan)).toEqual(["local:llama-70b"]);
    expect(plan.decision.strategy).toBe("weighted");
  });

  it("skips deployments lacking the tools, images or JSON format the request uses", () => {
    const { planner } = setup();
    const tools = chat("hi", { model: "chat", tools: [{ name: "lookup", description: "find a thing" }] });
    expect(planner.explain(tools).candidates.find((c) => c.id === "gpu")).toMatchObject({
      kept: false,
      reason: "does not support tools",
    });
    const image = chat("what is this?", { model: "chat" });
    image.messages[0]?.content.push({
      part: { case: "image", value: { source: { case: "url", value: "https://x/y.png" } } },
    } as never);
    expect(planner.explain(image).candidates.find((c) => c.id === "gpu")?.reason).toBe(
      "does not accept image input",
    );
    // llama-70b states no modalities: unknown facts keep it.
    expect(ids(planner.plan(callFor(image)))).toContain("gpu2");
    const json = chat("hi", {
      model: "chat",
      responseFormat: { type: ResponseFormatType.JSON_SCHEMA, name: "x" },
    });
    expect(planner.explain(json).candidates.find((c) => c.id === "other:claude-sonnet-4")).toMatchObject({
      kept: false,
      from: "backup",
      reason: "does not support a JSON response format",
    });
    expect(ids(planner.plan(callFor(json)))).toEqual(["gpu", "gpu2", "cloud:gpt-4o", "cloud:gpt-4.1"]);
  });

  it("says why each deployment was skipped when none qualifies", () => {
    const { planner } = setup();
    const request = chat("hi", {
      model: "picky",
      tools: [{ name: "lookup" }],
      responseFormat: { type: ResponseFormatType.JSON_OBJECT },
    });
    const error = thrown(() => planner.plan(callFor(request)));
    expect(error.code).toBe("no_eligible_deployment");
    expect(error.message).toBe(
      'no deployment of model "picky" can serve this request: local:llama-8b of picky: does not support tools; ' +
        "other:claude-sonnet-4 of picky: does not support a JSON response format",
    );
    const explained = planner.explain(request);
    expect(explained.serving).toBeUndefined();
    expect(explained.plan).toBeUndefined();
    expect(explained.error).toBe(error.message);
  });

  it("routes embeddings without the chat filters", () => {
    const { planner } = setup();
    const call = createCall({
      requestId: "r2",
      surface: "test",
      signal: new AbortController().signal,
      startedAt: 0,
      deadline: Number.POSITIVE_INFINITY,
      credential: undefined,
      op: "embed",
      stream: false,
      embed: create(EmbedRequestSchema, { model: "tiny", inputs: ["y".repeat(100_000)] }),
    });
    expect(ids(planner.plan(call))).toEqual(["local:llama-8b"]);
  });
});

describe("RoutePlanner: catalogue names", () => {
  it("routes a name the routing config does not list to its one catalogue deployment", () => {
    const { planner } = setup();
    const plan = planner.plan(
      callFor(chat("hi", { model: "gpt-4o-mini", routing: { noFallback: true, priority: 3 } })),
    );
    expect(ids(plan)).toEqual(["cloud:gpt-4o-mini"]);
    expect(plan).toMatchObject({
      decision: { strategy: "single", score: undefined },
      fallback: false,
      priority: 3,
    });
    expect(planner.explain(chat("hi", { model: "gpt-4o-mini" })).kind).toBe("catalogue");
  });

  it("passes the catalogue's errors through", () => {
    const { planner } = setup();
    expect(thrown(() => planner.plan(callFor(chat("hi", { model: "nope:x" })))).code).toBe("model_not_found");
  });
});

describe("RoutePlanner: virtual models", () => {
  const POOL = {
    models: [
      {
        name: "small",
        deployments: [{ id: "local-small", provider: "local", model: "llama-8b", quality: 0.3 }],
      },
      {
        name: "best",
        deployments: [{ id: "cloud-best", provider: "cloud", model: "gpt-4o", quality: 0.95 }],
      },
    ],
  };

  it("routes a plain greeting on auto to the cheap local deployment", () => {
    const { planner } = setup(POOL);
    const request = chat("hello", { model: "auto" });
    const plan = planner.plan(callFor(request));
    expect(ids(plan)).toEqual(["local-small", "cloud-best"]);
    expect(plan.decision).toEqual({ strategy: "cost", score: expect.closeTo(0.88), complexity: "simple" });
  });

  it("routes a code-heavy prompt on auto to the quality deployment", () => {
    const { planner } = setup(POOL);
    const plan = planner.plan(callFor(chat(CODE_PROMPT, { model: "auto" })));
    expect(ids(plan)).toEqual(["cloud-best", "local-small"]);
    expect(plan.decision).toEqual({
      strategy: "quality",
      score: expect.closeTo(0.8575),
      complexity: "complex",
    });
  });

  it("explains auto with the real route's answer, scores and signals", () => {
    const { planner } = setup(POOL);
    for (const text of ["hello", CODE_PROMPT]) {
      const request = chat(text, { model: "auto" });
      const plan = planner.plan(callFor(request));
      const explained = planner.explain(request);
      expect(explained.serving?.id).toBe(plan.deployments[0]?.id);
      expect(explained.plan && ids(explained.plan)).toEqual(ids(plan));
      expect(explained.decision).toEqual(plan.decision);
      expect(explained.kind).toBe("virtual");
      expect(explained.candidates.map((c) => c.id)).toEqual(ids(plan));
      expect(explained.candidates.every((c) => c.kept && typeof c.score === "number")).toBe(true);
    }
    expect(planner.explain(chat(CODE_PROMPT, { model: "auto" })).signals).toEqual([
      expect.stringMatching(/^code: fenced block; keywords/),
    ]);
  });

  it("prefers a local deployment within the configured share of the best", () => {
    const near = structuredClone(POOL);
    Object.assign(near.models[0]?.deployments[0] ?? {}, { quality: 0.7 });
    const { planner } = setup(near);
    const request = chat(CODE_PROMPT, { model: "auto" });
    expect(ids(planner.plan(callFor(request)))[0]).toBe("local-small");
    expect(planner.explain(request).candidates[0]?.reason).toContain("preferred");
  });

  it("serves fast, cheap and quality with their fixed profiles", () => {
    const { planner } = setup(POOL);
    const route = (model: string) => planner.plan(callFor(chat(CODE_PROMPT, { model })));
    expect(route("cheap").decision).toMatchObject({ strategy: "cost", complexity: "" });
    expect(ids(route("cheap"))[0]).toBe("local-small");
    expect(ids(route("quality"))[0]).toBe("cloud-best");
    expect(route("fast").decision.strategy).toBe("latency");
  });

  it("lets a caller's strategy order the pool", () => {
    const { planner } = setup(POOL);
    const plan = planner.plan(callFor(chat("hello", { model: "auto", routing: { strategy: "cost" } })));
    expect(plan.decision).toMatchObject({ strategy: "cost", complexity: "simple", score: 1 });
    expect(ids(plan)).toEqual(["local-small", "cloud-best"]);
  });

  it("filters the pool like any routed model", () => {
    const { planner } = setup(POOL);
    const plan = planner.plan(callFor(chat("hello", { model: "cheap", tools: [{ name: "lookup" }] })));
    expect(ids(plan)).toEqual(["cloud-best"]);
  });

  it("leaves the names to the catalogue when virtual models are off, and to a routed model or alias of that name", () => {
    const off = setup({ ...POOL, virtual: { enabled: false } }).planner;
    expect(off.plan(callFor(chat("hello", { model: "auto" })))).toMatchObject({
      decision: { strategy: "single" },
    });
    const named = setup({
      models: [...POOL.models, { name: "auto", deployments: [{ provider: "cloud", model: "gpt-4o-mini" }] }],
    }).planner;
    expect(ids(named.plan(callFor(chat("hello", { model: "auto" }))))).toEqual(["cloud:gpt-4o-mini"]);
    const aliased = setup(POOL, sequence(0.5), { fast: "cloud:gpt-4o-mini" }).planner;
    expect(aliased.plan(callFor(chat("hello", { model: "fast" })))).toMatchObject({
      deployments: [{ id: "cloud:gpt-4o-mini" }],
      decision: { strategy: "single" },
    });
    expect(aliased.plan(callFor(chat("hello", { model: "cheap" }))).decision.strategy).toBe("cost");
  });

  it("routes embeddings named like a virtual model to the catalogue", () => {
    const { planner } = setup(POOL);
    const call = createCall({
      requestId: "r3",
      surface: "test",
      signal: new AbortController().signal,
      startedAt: 0,
      deadline: Number.POSITIVE_INFINITY,
      credential: undefined,
      op: "embed",
      stream: false,
      embed: create(EmbedRequestSchema, { model: "auto", inputs: ["x"] }),
    });
    expect(planner.plan(call).decision.strategy).toBe("single");
  });
});
