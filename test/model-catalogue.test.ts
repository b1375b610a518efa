import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelsService } from "../gen/llmgw/v1/models_pb.js";
import { TokenUsageSchema } from "../gen/llmgw/v1/usage_pb.js";
import { parseConfig } from "../server/config/load-config.ts";
import type { DiscoveredModel, ProviderAdapter } from "../server/providers/adapter.ts";
import { ModelRouter } from "../server/routing/model-router.ts";
import { builtinFacts, PRICES_AS_OF } from "../server/routing/price-table.ts";
import { costUsd } from "../server/usage/cost.ts";
import { openaiClient } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * The model catalogue: facts from config, upstream discovery and the built-in
 * price table, in that order; cost from those prices; the OpenAI-compatible
 * presets; and how both model lists render them.
 */

const BUILTIN = `builtin:${PRICES_AS_OF}`;

/** `x-llmgw` of one entry of `GET /v1/models`. */
type ModelMeta = Record<string, unknown> & { pricing?: Record<string, unknown> };

function usage(init: {
  prompt: number;
  completion: number;
  cached?: number;
  written?: number;
  reasoning?: number;
}) {
  return create(TokenUsageSchema, {
    promptTokens: init.prompt,
    completionTokens: init.completion,
    totalTokens: init.prompt + init.completion,
    cachedPromptTokens: init.cached ?? 0,
    cacheCreationTokens: init.written ?? 0,
    reasoningTokens: init.reasoning ?? 0,
  });
}

describe("costUsd", () => {
  it("bills fresh, cache-read, cache-write and completion tokens at their own prices", () => {
    // claude-sonnet-4: $3 in, $15 out, $0.30 cache read, $3.75 cache write per MTok.
    // 10,000 prompt tokens = 2,000 fresh + 6,000 read + 2,000 written.
    const cost = costUsd(usage({ prompt: 10_000, completion: 1_000, cached: 6_000, written: 2_000 }), {
      input: 3,
      output: 15,
      cached_input: 0.3,
      cache_write: 3.75,
    });
    // 2,000×3 + 6,000×0.3 + 2,000×3.75 + 1,000×15 = 6,000 + 1,800 + 7,500 + 15,000 = 30,300 µ$
    expect(cost).toBeCloseTo(0.0303, 12);
  });

  it("bills cache tokens at the input price when the model has no cache prices", () => {
    const cost = costUsd(usage({ prompt: 1_000, completion: 50, cached: 400, written: 100, reasoning: 30 }), {
      input: 2,
      output: 8,
    });
    // 1,000×2 + 50×8 (reasoning is already inside the 50) = 2,400 µ$
    expect(cost).toBeCloseTo(0.0024, 12);
  });

  it("clamps cache counts larger than the prompt instead of going negative", () => {
    const cost = costUsd(usage({ prompt: 100, completion: 0, cached: 80, written: 500 }), {
      input: 10,
      output: 0,
      cached_input: 1,
      cache_write: 20,
    });
    // 80 read ×1 + 20 written ×20 + 0 fresh = 480 µ$
    expect(cost).toBeCloseTo(0.00048, 12);
  });

  it("is undefined without a price or usage", () => {
    expect(costUsd(usage({ prompt: 1, completion: 1 }), undefined)).toBeUndefined();
    expect(costUsd(undefined, { input: 1, output: 1 })).toBeUndefined();
  });
});

describe("built-in price table", () => {
  it("finds exact names and dated snapshots, and nothing else", () => {
    expect(builtinFacts("gpt-4o")?.pricing).toEqual({
      input: 2.5,
      output: 10,
      cached_input: 1.25,
      source: BUILTIN,
    });
    expect(builtinFacts("gpt-4o-2024-08-06")?.pricing?.input).toBe(2.5);
    // An exact entry beats the snapshot rule: the first gpt-4o snapshot kept its launch price.
    expect(builtinFacts("gpt-4o-2024-05-13")?.pricing?.input).toBe(5);
    expect(builtinFacts("claude-sonnet-4-20250514")?.pricing).toMatchObject({ cache_write: 3.75 });
    expect(builtinFacts("claude-3-5-haiku-latest")?.pricing?.input).toBe(0.8);
    expect(builtinFacts("gpt-4o-mini-audio-preview")).toBeUndefined();
    expect(builtinFacts("llama-3.3-70b-versatile")).toBeUndefined();
    expect(builtinFacts("text-embedding-3-small")).toMatchObject({
      supportsEmbeddings: true,
      supportsTools: false,
    });
  });
});

describe("fact precedence: config > discovery > built-in", () => {
  const adapter = { name: "up" } as ProviderAdapter;
  const config = parseConfig({
    providers: [
      {
        name: "up",
        base_url: "http://127.0.0.1:9/v1",
        models: [
          { id: "gpt-4o", supports_json_mode: false, context_window: 64_000 },
          { id: "gpt-4.1", pricing: { input: 1, output: 2 } },
        ],
      },
    ],
  });
  const router = new ModelRouter(config, [adapter]);
  const discovered: DiscoveredModel[] = [
    { id: "gpt-4o", created: 0, ownedBy: "x", facts: { contextWindow: 32_768, supportsTools: false } },
    { id: "gpt-4.1", created: 0, ownedBy: "x", facts: { contextWindow: 32_768 } },
  ];
  router.setDiscovered("up", discovered);
  const facts = (id: string) => router.find(id)?.facts;

  it("takes each fact from the highest layer that states it", () => {
    expect(facts("up:gpt-4o")).toEqual({
      contextWindow: 64_000, // config over discovery
      supportsTools: false, // discovery over built-in
      supportsJsonMode: false, // config over built-in
      supportsEmbeddings: false, // built-in
      inputModalities: ["text", "image"], // built-in
      pricing: { input: 2.5, output: 10, cached_input: 1.25, source: BUILTIN },
    });
    expect(facts("up:gpt-4.1")?.contextWindow).toBe(32_768);
  });

  it("takes a configured price whole, and routes with it", () => {
    expect(facts("up:gpt-4.1")?.pricing).toEqual({ input: 1, output: 2, source: "config" });
    expect(router.resolve("up:gpt-4.1").pricing).toEqual({ input: 1, output: 2, source: "config" });
    expect(router.resolve("up:gpt-4o").pricing?.source).toBe(BUILTIN);
    // A name nobody lists still gets the built-in price when it has one.
    expect(router.resolve("up:o4-mini-2025-04-16").pricing?.input).toBe(1.1);
    expect(router.resolve("up:no-such-model").pricing).toBeUndefined();
  });
});

describe("presets in config", () => {
  it("supplies the default base_url and quirks", () => {
    const [groq, openai, generic] = parseConfig({
      providers: [
        { name: "fast", type: "groq", api_key: "gsk-x" },
        { name: "oai", type: "openai", api_key: "sk-x" },
        { name: "local", base_url: "http://127.0.0.1:8000/v1" },
      ],
    }).providers;
    expect(groq).toMatchObject({
      base_url: "https://api.groq.com/openai/v1",
      stream_usage: true,
      max_tokens_field: "max_tokens",
    });
    expect(openai).toMatchObject({
      base_url: "https://api.openai.com/v1",
      max_tokens_field: "max_completion_tokens",
    });
    // The default type pointed elsewhere keeps the plain OpenAI-compatible defaults.
    expect(generic).toMatchObject({ type: "openai", max_tokens_field: "max_tokens", stream_usage: true });
  });

  it("knows every documented default host", () => {
    const types = ["together", "openrouter", "vllm", "lmstudio", "llamacpp"];
    const providers = parseConfig({ providers: types.map((type) => ({ name: type, type })) }).providers;
    expect(providers.map((p) => p.base_url)).toEqual([
      "https://api.together.xyz/v1",
      "https://openrouter.ai/api/v1",
      "http://127.0.0.1:8000/v1",
      "http://127.0.0.1:1234/v1",
      "http://127.0.0.1:8080/v1",
    ]);
  });
});

describe("catalogue and cost through a running gateway", () => {
  let gw: TestGateway;
  let sdk: OpenAI;

  beforeAll(async () => {
    gw = await startTestGateway({
      config: (mockUrl) => ({
        providers: [
          {
            name: "mock",
            base_url: `${mockUrl}/v1`,
            models: [
              {
                id: "mock-small",
                pricing: { input: 1.5, output: 4, cached_input: 0.5 },
                context_window: 4_096,
                input_modalities: ["text"],
                supports_tools: true,
              },
              "gpt-4o-mini",
              { id: "gpt-4o-2024-08-06", context_window: 1_000 },
            ],
          },
          {
            name: "fast",
            type: "groq",
            api_key: "gsk-test-key",
            base_url: `${mockUrl}/v1`,
            models: ["llama-3.3-70b-versatile"],
          },
          {
            name: "oai",
            type: "openai",
            base_url: `${mockUrl}/v1`,
            max_tokens_field: "max_completion_tokens",
            models: ["o4-mini"],
          },
        ],
      }),
    });
    sdk = openaiClient(gw);
  });

  afterAll(async () => {
    await gw?.close();
  });

  async function listed(): Promise<Map<string, ModelMeta>> {
    const page = await sdk.models.list();
    return new Map(page.data.map((m) => [m.id, (m as unknown as { "x-llmgw": ModelMeta })["x-llmgw"]]));
  }

  /** The last chat completion body the mock received. */
  function lastBody(): Record<string, unknown> {
    const chats = gw.mock.requests.filter((r) => r.path === "/v1/chat/completions");
    return chats.at(-1)?.body as Record<string, unknown>;
  }

  it("GET /v1/models shows config facts, built-in facts and their precedence", async () => {
    const models = await listed();
    expect(models.get("mock:mock-small")).toMatchObject({
      context_window: 4_096,
      input_modalities: ["text"],
      supports_tools: true,
      pricing: { input_per_mtok: 1.5, output_per_mtok: 4, cached_input_per_mtok: 0.5, source: "config" },
    });
    expect(models.get("mock:mock-small")).not.toHaveProperty("supports_json_mode");
    expect(models.get("mock:gpt-4o-mini")).toMatchObject({
      context_window: 128_000,
      input_modalities: ["text", "image"],
      supports_tools: true,
      supports_json_mode: true,
      supports_embeddings: false,
      pricing: { input_per_mtok: 0.15, output_per_mtok: 0.6, cached_input_per_mtok: 0.075, source: BUILTIN },
    });
    // Config's context window over the built-in one; the rest still from the table.
    expect(models.get("mock:gpt-4o-2024-08-06")).toMatchObject({
      context_window: 1_000,
      pricing: { input_per_mtok: 2.5, source: BUILTIN },
    });
    // Discovered with nothing known: no facts at all, rather than zeros.
    const unknown = models.get("mock:mock-large");
    expect(unknown).toBeDefined();
    for (const key of ["context_window", "input_modalities", "supports_tools", "pricing"]) {
      expect(unknown).not.toHaveProperty(key);
    }
  });

  it("costs a response at the configured price", async () => {
    const reply = await sdk.chat.completions.create({
      model: "mock:mock-small",
      messages: [{ role: "user", content: "What does this cost?" }],
    });
    const u = reply.usage;
    expect(u).toBeDefined();
    const cost = (reply as unknown as { "x-llmgw": { cost_usd?: number } })["x-llmgw"].cost_usd;
    // The mock reports no cached tokens in OpenAI's format, so all prompt tokens are fresh.
    const expected = ((u?.prompt_tokens ?? 0) * 1.5 + (u?.completion_tokens ?? 0) * 4) / 1_000_000;
    expect(cost).toBeCloseTo(expected, 12);
    expect(expected).toBeGreaterThan(0);
  });

  it("serves a preset provider through the OpenAI-compatible adapter", async () => {
    await sdk.chat.completions.create({
      model: "fast:llama-3.3-70b-versatile",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 7,
    });
    const request = gw.mock.requests.filter((r) => r.path === "/v1/chat/completions").at(-1);
    expect(request?.headers.authorization).toBe("Bearer gsk-test-key");
    expect(lastBody()).toMatchObject({ model: "llama-3.3-70b-versatile", max_tokens: 7 });
    expect(lastBody()).not.toHaveProperty("max_completion_tokens");
  });

  it("sends the completion limit in max_tokens_field", async () => {
    await sdk.chat.completions.create({
      model: "oai:o4-mini",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 9,
    });
    expect(lastBody()).toMatchObject({ max_completion_tokens: 9 });
    expect(lastBody()).not.toHaveProperty("max_tokens");

    const stream = await sdk.chat.completions.create({
      model: "oai:o4-mini",
      messages: [{ role: "user", content: "hi" }],
      max_completion_tokens: 11,
      stream: true,
    });
    for await (const _ of stream) {
      // drain
    }
    expect(lastBody()).toMatchObject({ max_completion_tokens: 11, stream_options: { include_usage: true } });
    expect(lastBody()).not.toHaveProperty("max_tokens");
  });

  it("ListModels over connect-node carries the new fields", async () => {
    const client = createClient(
      ModelsService,
      createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }),
    );
    const { models } = await client.listModels({ provider: "mock" });
    const small = models.find((m) => m.id === "mock:mock-small");
    expect(small).toMatchObject({
      contextWindow: 4_096,
      inputModalities: ["text"],
      supportsTools: true,
      supportsJsonMode: false,
      pricing: { inputPerMtok: 1.5, outputPerMtok: 4, cachedInputPerMtok: 0.5, source: "config" },
    });
    expect(small?.pricing?.cacheWritePerMtok).toBeUndefined();
    const mini = models.find((m) => m.id === "mock:gpt-4o-mini");
    expect(mini).toMatchObject({
      contextWindow: 128_000,
      supportsJsonMode: true,
      pricing: { inputPerMtok: 0.15, source: BUILTIN },
    });
    const large = models.find((m) => m.id === "mock:mock-large");
    expect(large?.pricing).toBeUndefined();
    expect(large?.contextWindow).toBe(0);
    const { model } = await client.getModel({ id: "oai:o4-mini" });
    expect(model?.pricing).toMatchObject({
      inputPerMtok: 1.1,
      cachedInputPerMtok: 0.275,
      outputPerMtok: 4.4,
    });
  });
});
