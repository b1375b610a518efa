import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { mockEmbedding } from "../mock/mock-embeddings.ts";
import { parseConfig } from "../server/config/load-config.ts";
import { embedRunner } from "../server/core/embed-runner.ts";
import { execute } from "../server/core/execute.ts";
import { type EmbedRunner, ProviderEmbedder } from "../server/policy/cache/semantic/provider-embedder.ts";
import { SIMILARITY_PAIRS, scorePairs } from "../server/policy/cache/semantic/similarity-pairs.ts";
import { createAdapter } from "../server/providers/create-adapter.ts";
import { retrySettings } from "../server/routing/attempt/backoff.ts";
import { connectionPools } from "../server/routing/attempt/connection-pools.ts";
import { ModelRouter } from "../server/routing/model-router.ts";
import { RoutePlanner } from "../server/routing/route-planner.ts";
import { RoutingTable } from "../server/routing/routing-table.ts";
import { cosine, normalise } from "../server/state/unit-vector.ts";

/**
 * The semantic cache's provider embedder through the gateway's own routing
 * and adapters to a real mock upstream: a routed embedding model whose first
 * deployment is down, so every embedding also proves the fallback.
 */
let mock: MockUpstream;
let dead: Server;
/** Requests the failing provider has answered. */
let deadHits = 0;
let runner: EmbedRunner;
let embedder: ProviderEmbedder;
const signal = new AbortController().signal;

beforeAll(async () => {
  mock = await startMockUpstream();
  // A provider that answers every request with a 503.
  dead = createServer((_req, res) => {
    deadHits++;
    res.writeHead(503).end('{"error":{"message":"down"}}');
  });
  await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
  const deadPort = (dead.address() as { port: number }).port;
  const config = parseConfig({
    server: { port: 0 },
    providers: [
      { name: "down", base_url: `http://127.0.0.1:${deadPort}/v1`, models: ["mock-embed"] },
      { name: "mock", base_url: `${mock.url}/v1`, models: ["mock-embed"] },
    ],
    routing: {
      retry: { max_attempts: 3 },
      models: [
        {
          name: "cache-embedder",
          deployments: [
            { provider: "down", model: "mock-embed", priority: 0 },
            { provider: "mock", model: "mock-embed", priority: 1 },
          ],
        },
      ],
    },
  });
  const router = new ModelRouter(config, config.providers.map(createAdapter));
  const planner = new RoutePlanner(new RoutingTable(config, router));
  const terminal = execute(retrySettings(config.routing.retry), connectionPools(config.providers), []);
  runner = embedRunner(planner, terminal, 5_000);
  embedder = new ProviderEmbedder("cache-embedder", runner, { dimensions: 64 });
});

afterAll(async () => {
  await mock?.close();
  await new Promise((resolve) => dead?.close(resolve));
});

describe("the provider embedder through routing, on the mock upstream", () => {
  it("returns the upstream's vector, normalised, after falling back from a failing deployment", async () => {
    mock.reset();
    const before = deadHits;
    const vector = await embedder.embed("What is the capital of France?", signal);
    expect(vector).toHaveLength(64);
    const expected = normalise(Float32Array.from(mockEmbedding("What is the capital of France?", 64)));
    expect(cosine(vector, expected)).toBeCloseTo(1, 5);
    const sent = mock.requests.filter((r) => r.path === "/v1/embeddings");
    expect(sent).toHaveLength(1);
    expect(deadHits).toBeGreaterThan(before);
    expect(sent[0]?.body).toMatchObject({
      model: "mock-embed",
      input: ["What is the capital of France?"],
      dimensions: 64,
    });
  });

  it("runs the similarity pairs: the mock's hashed vectors match only identical text", async () => {
    const scores = await scorePairs((text) => embedder.embed(text, signal), 0.95);
    console.log(
      `mock embedding model: precision ${scores.precision.toFixed(3)}, recall ${scores.recall.toFixed(3)} ` +
        `(${scores.truePositives} TP, ${scores.falsePositives} FP, ${scores.trueNegatives} TN, ${scores.falseNegatives} FN)`,
    );
    // No pair is the same text twice, so the mock (a hash, not a model) serves no hit: no wrong answer, none saved.
    expect(scores.truePositives + scores.falsePositives).toBe(0);
    expect(scores.trueNegatives).toBe(SIMILARITY_PAIRS.filter((p) => p.expect === "miss").length);
    const again = await embedder.embed(SIMILARITY_PAIRS[0]?.cached as string, signal);
    const first = await embedder.embed(SIMILARITY_PAIRS[0]?.cached as string, signal);
    expect(cosine(again, first)).toBeCloseTo(1, 5);
  });

  it("rejects with a GatewayError when the model's only deployment fails", async () => {
    mock.reset();
    const failing = new ProviderEmbedder("down:mock-embed", runner);
    await expect(failing.embed("hello", signal)).rejects.toMatchObject({
      name: "GatewayError",
      retryable: true,
    });
    expect(mock.requests).toHaveLength(0);
  });
});
