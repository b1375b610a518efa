import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EmbeddingsService, EmbedRequestSchema } from "../gen/llmgw/v1/embeddings_pb.js";
import { MOCK_EMBEDDING_DIMENSIONS, mockEmbedding } from "../mock/mock-embeddings.ts";
import { embeddingsFromGemini, geminiEmbedBodies } from "../server/providers/gemini/gemini-embeddings.ts";
import { embeddingsFromOllama, ollamaEmbedBody } from "../server/providers/ollama/ollama-embeddings.ts";
import { estimateInputUsage } from "../server/usage/token-estimate.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Embeddings through the Ollama (`/api/embed`) and Gemini
 * (`:batchEmbedContents`) adapters, end to end: the real `openai` SDK (base64
 * by default, and floats) and connect-node through a real gateway to the mock
 * upstream, whose vectors are the same `mockEmbedding` for every wire format.
 */

// biome-ignore lint/suspicious/noExplicitAny: assertions walk the untyped JSON the mock received
type Json = Record<string, any>;
type EmbedParams = OpenAI.EmbeddingCreateParams;

const OLLAMA_MODEL = "nomic-embed-text:latest";
const GEMINI_MODEL = "gemini-embedding-001";
const texts = ["alpha beta", "gamma", "delta epsilon zeta"];
/** Words in `texts`: what the Ollama mock reports as prompt_eval_count. */
const WORDS = 6;

interface Provider {
  readonly label: string;
  readonly name: string;
  readonly model: string;
  readonly path: string;
  /** The dimensions the upstream was asked for, per input, as the mock received them. */
  readonly askedDimensions: (body: Json) => unknown[];
  /** The texts the upstream was asked to embed, as the mock received them. */
  readonly sentTexts: (body: Json) => unknown[];
}

const ollama: Provider = {
  label: "Ollama",
  name: "local",
  model: OLLAMA_MODEL,
  path: "/api/embed",
  askedDimensions: (body) => (body.input as unknown[]).map(() => body.dimensions),
  sentTexts: (body) => body.input,
};

const gemini: Provider = {
  label: "Gemini",
  name: "gem",
  model: GEMINI_MODEL,
  path: `/v1beta/models/${GEMINI_MODEL}:batchEmbedContents`,
  askedDimensions: (body) => (body.requests as Json[]).map((r) => r.outputDimensionality),
  sentTexts: (body) => (body.requests as Json[]).map((r) => r.content.parts[0].text),
};

let gw: TestGateway;
let openai: OpenAI;

beforeAll(async () => {
  gw = await startTestGateway({
    mock: { models: [OLLAMA_MODEL, GEMINI_MODEL] },
    config: (mockUrl) => ({
      providers: [
        { name: "local", type: "ollama", base_url: mockUrl, models: [OLLAMA_MODEL], discover: false },
        {
          name: "gem",
          type: "gemini",
          base_url: `${mockUrl}/v1beta`,
          api_key: "gemini-key-test",
          models: [GEMINI_MODEL],
          discover: false,
        },
      ],
    }),
  });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "sk-unused", maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gw?.close();
});

beforeEach(() => {
  gw.mock.reset();
});

/** The bodies of the embeddings calls the mock upstream received on `path`, in order. */
function upstreamBodies(path: string): Json[] {
  return gw.mock.requests.filter((r) => r.path === path).map((r) => r.body as Json);
}

function lastUpstream(path: string): Json {
  const body = upstreamBodies(path).at(-1);
  if (body === undefined) throw new Error(`the mock upstream received no request on ${path}`);
  return body;
}

/** Embeds with extra body fields (mock controls, vendor fields) the SDK's types do not know. */
function embed(params: EmbedParams, extra: Json = {}) {
  return openai.embeddings.create({ ...params, ...extra } as EmbedParams);
}

async function failure(params: EmbedParams, extra: Json): Promise<APIError> {
  const error = await embed(params, extra).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(APIError);
  return error as APIError;
}

describe.each([ollama, gemini])("$label embeddings through the openai SDK", (provider) => {
  it("asks for base64 by default and gets the mock's vectors in batch order", async () => {
    const result = await openai.embeddings.create({ model: provider.model, input: texts });
    expect(result.object).toBe("list");
    expect(result.model).toBe(provider.model);
    expect(result.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(result.data.map((d) => d.embedding)).toEqual(texts.map((t) => mockEmbedding(t)));
    expect(result.data[0]?.embedding).toHaveLength(MOCK_EMBEDDING_DIMENSIONS);
    expect((result as unknown as Json)["x-llmgw"]).toMatchObject({
      provider: provider.name,
      model: provider.model,
    });
    expect(provider.sentTexts(lastUpstream(provider.path))).toEqual(texts);
  });

  it('returns the same vectors with encoding_format: "float"', async () => {
    const floats = await openai.embeddings.create({
      model: provider.model,
      input: texts,
      encoding_format: "float",
    });
    const base64 = await openai.embeddings.create({ model: provider.model, input: texts });
    expect(floats.data.map((d) => d.embedding)).toEqual(base64.data.map((d) => d.embedding));
    expect(floats.data.map((d) => d.embedding)).toEqual(texts.map((t) => mockEmbedding(t)));
  });

  it("keeps the batch order whatever the texts", async () => {
    const reversed = texts.toReversed();
    const result = await openai.embeddings.create({ model: provider.model, input: reversed });
    expect(result.data.map((d) => d.embedding)).toEqual(reversed.map((t) => mockEmbedding(t)));
    expect(provider.sentTexts(lastUpstream(provider.path))).toEqual(reversed);
  });

  it("honours dimensions, in both encodings", async () => {
    const params = { model: provider.model, input: texts, dimensions: 3 };
    const base64 = await openai.embeddings.create(params);
    expect(provider.askedDimensions(lastUpstream(provider.path))).toEqual([3, 3, 3]);
    const floats = await openai.embeddings.create({ ...params, encoding_format: "float" });
    expect(provider.askedDimensions(lastUpstream(provider.path))).toEqual([3, 3, 3]);
    expect(base64.data.map((d) => d.embedding)).toEqual(texts.map((t) => mockEmbedding(t, 3)));
    expect(floats.data.map((d) => d.embedding)).toEqual(base64.data.map((d) => d.embedding));
  });

  it("leaves the model's own size when dimensions is not given", async () => {
    await openai.embeddings.create({ model: provider.model, input: texts });
    expect(provider.askedDimensions(lastUpstream(provider.path))).toEqual([undefined, undefined, undefined]);
  });

  it("maps an upstream 503 to 503 and keeps its retry-after", async () => {
    const error = await failure(
      { model: provider.model, input: texts },
      { mock: { status: 503, retry_after: 7 } },
    );
    expect(error.status).toBe(503);
    expect(error.headers?.get("retry-after")).toBe("7");
    expect(error.code).toBe("upstream_unavailable");
  });
});

describe("Ollama specifics", () => {
  it("reports prompt_eval_count as exact usage", async () => {
    const result = await openai.embeddings.create({ model: OLLAMA_MODEL, input: texts });
    expect(result.usage).toEqual({ prompt_tokens: WORDS, total_tokens: WORDS });
  });

  it("estimates usage, and says so, when Ollama leaves prompt_eval_count out", async () => {
    const result = await embed({ model: OLLAMA_MODEL, input: texts }, { mock: { no_counts: true } });
    const estimate = await estimateInputUsage(texts);
    expect(result.usage).toEqual({
      prompt_tokens: estimate.promptTokens,
      total_tokens: estimate.promptTokens,
      estimated: true,
    });
  });

  it("sends /api/embed's own fields: input array, truncate and options from extra, no user", async () => {
    await embed({ model: OLLAMA_MODEL, input: "one text", user: "u-1" }, { truncate: false, num_ctx: 512 });
    const body = lastUpstream("/api/embed");
    expect(body).toMatchObject({ model: OLLAMA_MODEL, input: ["one text"], truncate: false });
    expect(body.options).toEqual({ num_ctx: 512 });
    expect(body).not.toHaveProperty("user");
    expect(body).not.toHaveProperty("encoding_format");
  });

  it("maps a model that is not pulled (Ollama's 404) to 404", async () => {
    const error = await failure({ model: "local:not-pulled", input: texts }, {});
    expect(error.status).toBe(404);
  });
});

describe("Gemini specifics", () => {
  it("estimates usage and marks it estimated (Gemini reports none)", async () => {
    const result = await openai.embeddings.create({ model: GEMINI_MODEL, input: texts });
    const estimate = await estimateInputUsage(texts);
    expect(estimate.promptTokens).toBeGreaterThan(0);
    expect(result.usage).toEqual({
      prompt_tokens: estimate.promptTokens,
      total_tokens: estimate.promptTokens,
      estimated: true,
    });
  });

  it("names the model in every request and sends the key as x-goog-api-key", async () => {
    await embed({ model: GEMINI_MODEL, input: texts }, { task_type: "RETRIEVAL_DOCUMENT" });
    const request = gw.mock.requests.filter((r) => r.path === gemini.path).at(-1);
    expect(request?.headers["x-goog-api-key"]).toBe("gemini-key-test");
    const body = request?.body as Json;
    for (const r of body.requests as Json[]) {
      expect(r).toMatchObject({ model: `models/${GEMINI_MODEL}`, taskType: "RETRIEVAL_DOCUMENT" });
    }
    expect(body).not.toHaveProperty("task_type");
  });

  it("splits a batch over Gemini's 100-request limit into calls and keeps the order", async () => {
    const many = Array.from({ length: 230 }, (_, i) => `text number ${i}`);
    const result = await openai.embeddings.create({ model: GEMINI_MODEL, input: many });
    expect(upstreamBodies(gemini.path).map((b) => (b.requests as unknown[]).length)).toEqual([100, 100, 30]);
    expect(result.data.map((d) => d.index)).toEqual(many.map((_, i) => i));
    expect(result.data.map((d) => d.embedding)).toEqual(many.map((t) => mockEmbedding(t)));
  });

  it("takes the retry delay from RetryInfo when there is no Retry-After header", async () => {
    const error = await failure(
      { model: GEMINI_MODEL, input: texts },
      { mock: { status: 429, retry_delay: 9 } },
    );
    expect(error.status).toBe(429);
    expect(error.headers?.get("retry-after")).toBe("9");
  });
});

describe("EmbeddingsService over connect-node", () => {
  it("embeds with the Ollama provider over gRPC", async () => {
    const client = createClient(EmbeddingsService, createGrpcTransport({ baseUrl: gw.url }));
    const response = await client.embed({ model: OLLAMA_MODEL, inputs: texts, dimensions: 5 });
    expect(response.embeddings.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(response.embeddings.map((e) => e.values)).toEqual(texts.map((t) => mockEmbedding(t, 5)));
    expect(response.model).toBe(OLLAMA_MODEL);
    expect(response.usage).toMatchObject({ promptTokens: WORDS, totalTokens: WORDS, estimated: false });
    expect(response.gateway).toMatchObject({ provider: "local", model: OLLAMA_MODEL });
    expect(lastUpstream("/api/embed").dimensions).toBe(5);
  });
});

describe("parsing upstream answers", () => {
  const request = create(EmbedRequestSchema, { model: "m", inputs: ["a", "b"] });

  it("rejects an Ollama answer with the wrong number of vectors, or a malformed one", async () => {
    const short = JSON.stringify({ embeddings: [[1]] });
    await expect(embeddingsFromOllama("p", short, request, "m")).rejects.toMatchObject({
      code: "upstream_error",
    });
    const bad = JSON.stringify({ embeddings: [[1], ["x"]] });
    await expect(embeddingsFromOllama("p", bad, request, "m")).rejects.toMatchObject({
      code: "upstream_error",
    });
  });

  it("rounds Ollama's JSON floats to float32", async () => {
    const text = JSON.stringify({ model: "m", embeddings: [[0.1], [0.2]], prompt_eval_count: 2 });
    const response = await embeddingsFromOllama("p", text, request, "m");
    expect(response.embeddings.map((e) => e.values)).toEqual([[Math.fround(0.1)], [Math.fround(0.2)]]);
    expect(response.usage).toMatchObject({ promptTokens: 2, estimated: false });
  });

  it("rejects a Gemini answer with the wrong number of vectors", async () => {
    const text = JSON.stringify({ embeddings: [{ values: [1] }] });
    await expect(embeddingsFromGemini("p", [text], request, "m")).rejects.toMatchObject({
      code: "upstream_error",
    });
  });

  it("lets modeled fields win over extra", () => {
    const withExtra = create(EmbedRequestSchema, {
      model: "m",
      inputs: ["a"],
      dimensions: 4,
      extra: { dimensions: 99, outputDimensionality: 99, input: ["z"], model: "x" },
    });
    expect(JSON.parse(ollamaEmbedBody(withExtra, "m"))).toMatchObject({
      model: "m",
      input: ["a"],
      dimensions: 4,
    });
    const [body] = geminiEmbedBodies(withExtra, "m").map((b) => JSON.parse(b) as Json);
    expect(body?.requests).toEqual([
      { model: "models/m", outputDimensionality: 4, content: { parts: [{ text: "a" }] } },
    ]);
  });
});
