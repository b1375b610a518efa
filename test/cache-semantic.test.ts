import type OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { LocalEmbedder } from "../server/policy/cache/semantic/local-embedder.ts";
import { SIMILARITY_PAIRS, scorePairs } from "../server/policy/cache/semantic/similarity-pairs.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { openaiClient } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The semantic cache through the gateway and the real `openai` SDK: the
 * local embedder (the default) and a configured embedding model (the mock
 * upstream's embeddings endpoint, through the gateway's routing).
 */

interface CacheMeta {
  cache_hit?: boolean;
  cache_kind?: string;
  similarity?: number;
}
const cacheMeta = (value: object) => (value as { "x-llmgw": CacheMeta })["x-llmgw"];

const chatPaths = (gw: TestGateway) => gw.mock.requests.filter((r) => r.path.endsWith("/chat/completions"));

/** One question, in its own partition (a system prompt of its own), at temperature 0. */
const ask = (openai: OpenAI, question: string, partition: string, extra: object = {}) =>
  openai.chat.completions.create({
    model: "mock-small",
    temperature: 0,
    messages: [
      { role: "system", content: `Partition ${partition}` },
      { role: "user", content: question },
    ],
    ...extra,
  });

/** Lets a miss's answer and its index entry land (both are written off the caller's path). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("the semantic cache with the local embedder", () => {
  let gw: TestGateway;
  let openai: OpenAI;
  useTestGateway({ config: { cache: { semantic: { enabled: true } } } }, (started) => {
    gw = started;
    openai = openaiClient(gw);
  });

  it("serves a rephrased question from the cache with its similarity, and misses another country", async () => {
    const first = await ask(openai, "What is the capital of France?", "france");
    await settle();
    const rephrased = await ask(openai, "what's the capital of france", "france");
    expect(cacheMeta(rephrased)).toMatchObject({ cache_hit: true, cache_kind: "semantic" });
    expect(cacheMeta(rephrased).similarity).toBeGreaterThanOrEqual(0.95);
    expect(rephrased.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
    const germany = await ask(openai, "What is the capital of Germany?", "france");
    expect(cacheMeta(germany).cache_hit).toBeUndefined();
    expect(chatPaths(gw)).toHaveLength(2);
  });

  it("never answers a sampling request (temperature above 0, or unset) from the semantic cache", async () => {
    await ask(openai, "What is the capital of Italy?", "italy");
    await settle();
    const warm = await ask(openai, "what's the capital of italy", "italy", { temperature: 0.8 });
    const unset = await openai.chat.completions.create({
      model: "mock-small",
      messages: [
        { role: "system", content: "Partition italy" },
        { role: "user", content: "what's the capital of italy" },
      ],
    });
    expect(cacheMeta(warm).cache_hit).toBeUndefined();
    expect(cacheMeta(unset).cache_hit).toBeUndefined();
  });

  it("answers a sampling request from the semantic cache when the request opts in", async () => {
    await ask(openai, "What is the capital of Portugal?", "portugal");
    await settle();
    const optedIn = await openai.chat.completions.create(
      {
        model: "mock-small",
        temperature: 0.8,
        messages: [
          { role: "system", content: "Partition portugal" },
          { role: "user", content: "what's the capital of portugal" },
        ],
      },
      { headers: { "x-llmgw-cache": "allow-sampling" } },
    );
    expect(cacheMeta(optedIn)).toMatchObject({ cache_hit: true, cache_kind: "semantic" });
  });

  it("misses when the system prompt differs", async () => {
    await ask(openai, "What is the capital of Spain?", "spain-a");
    await settle();
    const other = await ask(openai, "what's the capital of spain", "spain-b");
    expect(cacheMeta(other).cache_hit).toBeUndefined();
  });

  it("decides the similarity pairs through the gateway as the embedder does, and reports precision and recall", async () => {
    const local = new LocalEmbedder();
    const expected = await scorePairs((text) => local.embed(text, new AbortController().signal), 0.95);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [i, pair] of SIMILARITY_PAIRS.entries()) {
      await ask(openai, pair.cached, `pair-${i}`);
      await settle();
      const hit = cacheMeta(await ask(openai, pair.asked, `pair-${i}`)).cache_hit === true;
      // The gateway hits exactly where the embedder's similarity reaches the threshold.
      expect(hit, pair.about).toBe((expected.similarities[i] as number) >= 0.95);
      if (hit && pair.expect === "hit") tp++;
      else if (hit) fp++;
      else if (pair.expect === "hit") fn++;
    }
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `semantic cache, local embedder, through the gateway: ${SIMILARITY_PAIRS.length} pairs, ` +
        `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (${tp} TP, ${fp} FP, ${fn} FN)`,
    );
    expect(precision).toBeCloseTo(expected.precision, 6);
    expect(recall).toBeCloseTo(expected.recall, 6);
  });
});

describe("the semantic cache with sampling allowed for one model", () => {
  let gw: TestGateway;
  let openai: OpenAI;
  useTestGateway(
    {
      config: {
        aliases: { creative: "mock:mock-small" },
        cache: { semantic: { enabled: true, allow_sampling: ["creative"] } },
      },
    },
    (started) => {
      gw = started;
      openai = openaiClient(gw);
    },
  );

  it("serves a sampling request for the model that opted in, and not for another name of another model", async () => {
    await ask(openai, "What is the capital of Peru?", "peru", { model: "creative", temperature: 0.9 });
    await settle();
    const optedIn = await ask(openai, "what's the capital of peru", "peru", {
      model: "creative",
      temperature: 0.9,
    });
    expect(cacheMeta(optedIn)).toMatchObject({ cache_hit: true, cache_kind: "semantic" });
    const other = await ask(openai, "what's the capital of peru", "peru", { temperature: 0.9 });
    expect(cacheMeta(other).cache_hit).toBeUndefined();
    expect(chatPaths(gw)).toHaveLength(2);
  });
});

describe("the semantic cache with a configured embedding model", () => {
  let gw: TestGateway;
  let openai: OpenAI;
  useTestGateway(
    {
      config: (mockUrl: string) => ({
        providers: [{ name: "mock", base_url: `${mockUrl}/v1`, models: ["mock-small", "mock-embed"] }],
        cache: { exact: { enabled: false }, semantic: { enabled: true, embedder: "mock-embed" } },
      }),
    },
    (started) => {
      gw = started;
      openai = openaiClient(gw);
    },
  );

  it("embeds through the gateway's own routing, and the mock's hashed vectors match only the same text", async () => {
    const embeddings = () => gw.mock.requests.filter((r) => r.path === "/v1/embeddings");
    await ask(openai, "What is the capital of France?", "model");
    await settle();
    expect(embeddings()).toHaveLength(1);
    expect(embeddings()[0]?.body).toMatchObject({ model: "mock-embed" });
    // The exact cache is off: the same text is found through the embedding, at similarity 1.
    const same = await ask(openai, "What is the capital of France?", "model");
    expect(cacheMeta(same)).toMatchObject({ cache_hit: true, cache_kind: "semantic" });
    expect(cacheMeta(same).similarity).toBeCloseTo(1, 5);
    const rephrased = await ask(openai, "what's the capital of france", "model");
    expect(cacheMeta(rephrased).cache_hit).toBeUndefined();
    expect(chatPaths(gw)).toHaveLength(2);
  });

  it("runs the similarity pairs through the embeddings path: no pair is the same text, so none hits", async () => {
    let hits = 0;
    for (const [i, pair] of SIMILARITY_PAIRS.entries()) {
      await ask(openai, pair.cached, `model-pair-${i}`);
      await settle();
      if (cacheMeta(await ask(openai, pair.asked, `model-pair-${i}`)).cache_hit) hits++;
    }
    console.log(
      `semantic cache, mock embedding model, through the gateway: ${hits} hits of ${SIMILARITY_PAIRS.length} pairs`,
    );
    expect(hits).toBe(0);
  });
});
