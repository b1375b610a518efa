import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EmbeddingsService, EmbedRequestSchema } from "../gen/llmgw/v1/embeddings_pb.js";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import { MOCK_EMBEDDING_DIMENSIONS, mockEmbedding } from "../mock/mock-embeddings.ts";
import { embeddingsFromOpenAI } from "../server/providers/openai-compatible/openai-embeddings.ts";
import { float32ToBase64 } from "../server/wire/openai/float32-base64.ts";
import { ledgerRows } from "./harness/observe.ts";
import { meta, openaiClient } from "./harness/openai-client.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Embeddings end to end: the real `openai` SDK (base64 by default, and
 * floats) and connect-node over gRPC, through a real gateway, to the mock
 * upstream's deterministic vectors; and every way an embeddings call fails.
 */

const MODEL = "mock:mock-embed";
/** USD per million prompt tokens configured for mock-embed. */
const INPUT_PRICE = 0.02;
const texts = ["alpha beta", "gamma", "delta epsilon zeta"];

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

let gw: TestGateway;
let openai: OpenAI;

beforeAll(async () => {
  gw = await startTestGateway({
    config: (mockUrl) => ({
      providers: [
        {
          name: "mock",
          base_url: `${mockUrl}/v1`,
          models: ["mock-small", { id: "mock-embed", pricing: { input: INPUT_PRICE, output: 0 } }],
        },
        { name: "claude", type: "anthropic", base_url: `${mockUrl}/v1`, api_key: "sk-ant-test" },
      ],
    }),
  });
  openai = openaiClient(gw);
});
afterAll(async () => {
  await gw.close();
});
beforeEach(() => {
  gw.mock.reset();
});

/** The body of the last embeddings request the mock upstream received. */
function upstreamBody(): Record<string, unknown> {
  const request = gw.mock.requests.filter((r) => r.path === "/v1/embeddings").at(-1);
  if (request === undefined) throw new Error("the mock upstream received no embeddings request");
  return request.body as Record<string, unknown>;
}

function post(body: unknown): Promise<Response> {
  return fetch(`${gw.url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function expectError(res: Response, status: number): Promise<OpenAIErrorBody["error"]> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as OpenAIErrorBody;
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  return body.error;
}

describe("the openai SDK", () => {
  it("asks for base64 by default and gets the mock's vectors, in batch order, with usage and cost", async () => {
    const result = await openai.embeddings.create({ model: MODEL, input: texts });
    expect(result.object).toBe("list");
    expect(result.model).toBe("mock-embed");
    expect(result.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(result.data.map((d) => d.embedding)).toEqual(texts.map((t) => mockEmbedding(t)));
    expect(result.data[0]?.embedding).toHaveLength(MOCK_EMBEDDING_DIMENSIONS);
    expect(result.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });

    const gateway = meta(result);
    expect(gateway).toMatchObject({ provider: "mock", model: "mock-embed", ttft_ms: 0 });
    expect(gateway.latency_ms).toBeGreaterThan(0);
    expect(gateway.cost_usd).toBeCloseTo((6 * INPUT_PRICE) / 1_000_000, 15);

    // The gateway asked the upstream for floats, whatever encoding its caller wanted.
    expect(upstreamBody()).toMatchObject({ model: "mock-embed", input: texts, encoding_format: "float" });
  });

  it('returns the same vectors with encoding_format: "float"', async () => {
    const floats = await openai.embeddings.create({ model: MODEL, input: texts, encoding_format: "float" });
    const base64 = await openai.embeddings.create({ model: MODEL, input: texts });
    expect(floats.data.map((d) => d.embedding)).toEqual(base64.data.map((d) => d.embedding));
    expect(floats.data.map((d) => d.embedding)).toEqual(texts.map((t) => mockEmbedding(t)));
  });

  it("embeds a single string input", async () => {
    const result = await openai.embeddings.create({ model: MODEL, input: "just one" });
    expect(result.data).toHaveLength(1);
    expect(result.data[0]?.embedding).toEqual(mockEmbedding("just one"));
    expect(upstreamBody().input).toEqual(["just one"]);
  });

  it("honours dimensions", async () => {
    const result = await openai.embeddings.create({ model: MODEL, input: texts, dimensions: 3 });
    expect(result.data.map((d) => d.embedding)).toEqual(texts.map((t) => mockEmbedding(t, 3)));
    expect(upstreamBody().dimensions).toBe(3);
  });

  it("accounts the request in the usage ledger", async () => {
    await openai.embeddings.create({ model: MODEL, input: texts, user: "ledger-check" });
    const rows = await ledgerRows(gw, "mock", "mock-embed");
    expect(rows.reduce((n, r) => n + r.promptTokens, 0)).toBeGreaterThanOrEqual(6);
    expect(upstreamBody().user).toBe("ledger-check");
  });
});

describe("the REST wire format", () => {
  it("answers floats when encoding_format is absent, and base64 float32 strings when asked", async () => {
    const floats = (await (await post({ model: MODEL, input: texts })).json()) as {
      data: Array<{ object: string; embedding: number[] }>;
    };
    expect(floats.data[0]?.object).toBe("embedding");
    expect(floats.data.map((d) => d.embedding)).toEqual(texts.map((t) => mockEmbedding(t)));

    const res = await post({ model: MODEL, input: texts, encoding_format: "base64" });
    const encoded = (await res.json()) as { data: Array<{ embedding: string }> };
    expect(encoded.data.map((d) => d.embedding)).toEqual(texts.map((t) => float32ToBase64(mockEmbedding(t))));
  });

  it("passes fields it does not model through to the upstream", async () => {
    await post({ model: MODEL, input: texts, vendor_option: { x: 1 } });
    expect(upstreamBody().vendor_option).toEqual({ x: 1 });
  });
});

describe("EmbeddingsService over gRPC", () => {
  const client = () => createClient(EmbeddingsService, createGrpcTransport({ baseUrl: gw.url }));

  it("returns the same vectors as the REST route", async () => {
    const response = await client().embed({ model: MODEL, inputs: texts });
    expect(response.embeddings.map((e) => e.index)).toEqual([0, 1, 2]);
    expect(response.embeddings.map((e) => e.values)).toEqual(texts.map((t) => mockEmbedding(t)));
    expect(response.model).toBe("mock-embed");
    expect(response.usage).toMatchObject({ promptTokens: 6, totalTokens: 6 });
    expect(response.gateway).toMatchObject({ provider: "mock", model: "mock-embed" });
  });

  it("honours dimensions over Connect JSON too", async () => {
    const json = createClient(
      EmbeddingsService,
      createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }),
    );
    const response = await json.embed({ model: MODEL, inputs: texts, dimensions: 4 });
    expect(response.embeddings.map((e) => e.values)).toEqual(texts.map((t) => mockEmbedding(t, 4)));
  });

  it("answers InvalidArgument for a provider without embeddings", async () => {
    const error = await client()
      .embed({ model: "claude:claude-x", inputs: texts })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.findDetails(ErrorDetailSchema)[0]?.code).toBe("invalid_request");
  });
});

describe("errors", () => {
  it("refuses a missing input", async () => {
    const error = await expectError(await post({ model: MODEL }), 400);
    expect(error).toMatchObject({ type: "invalid_request_error", param: "input" });
  });

  it("refuses an empty string, in a batch too", async () => {
    expect((await expectError(await post({ model: MODEL, input: "" }), 400)).param).toBe("input");
    expect((await expectError(await post({ model: MODEL, input: ["a", ""] }), 400)).param).toBe("input[1]");
  });

  it("refuses an empty batch, an oversized batch, token arrays and bad options", async () => {
    await expectError(await post({ model: MODEL, input: [] }), 400);
    await expectError(await post({ model: MODEL, input: Array(2049).fill("x") }), 400);
    const tokens = await expectError(await post({ model: MODEL, input: [1, 2, 3] }), 400);
    expect(tokens.message).toContain("token-array input is not supported");
    await expectError(await post({ model: MODEL, input: [[1, 2]] }), 400);
    expect((await expectError(await post({ model: MODEL, input: "x", dimensions: 0 }), 400)).param).toBe(
      "dimensions",
    );
    await expectError(await post({ model: MODEL, input: "x", encoding_format: "int8" }), 400);
    expect(gw.mock.requests.filter((r) => r.path === "/v1/embeddings")).toHaveLength(0);
  });

  it("answers 404 for an unknown provider", async () => {
    const error = await expectError(await post({ model: "nope:model", input: "x" }), 404);
    expect(error.code).toBe("model_not_found");
  });

  it("answers 400 for a provider whose API has no embeddings", async () => {
    const error = await expectError(await post({ model: "claude:claude-x", input: "x" }), 400);
    expect(error.message).toBe("provider claude does not support embeddings");
  });

  it("maps an upstream 503 to 503 and keeps its retry-after", async () => {
    const res = await post({ model: MODEL, input: "x", mock: { status: 503, retry_after: 7 } });
    expect(res.headers.get("retry-after")).toBe("7");
    expect((await expectError(res, 503)).code).toBe("upstream_unavailable");
  });

  it("answers 405 for GET", async () => {
    const res = await fetch(`${gw.url}/v1/embeddings`);
    expect(res.headers.get("allow")).toBe("POST");
    await expectError(res, 405);
  });
});

describe("the OpenAI-compatible adapter's parsing", () => {
  const request = create(EmbedRequestSchema, { model: "m", inputs: ["a", "b"] });

  it("decodes base64 float32 answers and places vectors by index", async () => {
    const a = [0.5, -0.25, 1];
    const b = [0.125, 2, -3];
    const text = JSON.stringify({
      data: [
        { index: 1, embedding: float32ToBase64(b) },
        { index: 0, embedding: float32ToBase64(a) },
      ],
      model: "m",
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    const response = await embeddingsFromOpenAI("p", text, request);
    expect(response.embeddings.map((e) => e.values)).toEqual([a, b]);
    expect(response.embeddings.map((e) => e.index)).toEqual([0, 1]);
    expect(response.usage?.promptTokens).toBe(2);
  });

  it("rounds JSON floats to float32 and estimates usage when the upstream reports none", async () => {
    const text = JSON.stringify({ data: [{ embedding: [0.1] }, { embedding: [0.2] }] });
    const response = await embeddingsFromOpenAI("p", text, request);
    expect(response.embeddings.map((e) => e.values)).toEqual([[Math.fround(0.1)], [Math.fround(0.2)]]);
    expect(response.usage).toMatchObject({ promptTokens: 2, estimated: true });
  });

  it("rejects an answer with the wrong number of vectors", async () => {
    const text = JSON.stringify({ data: [{ index: 0, embedding: [1] }] });
    await expect(embeddingsFromOpenAI("p", text, request)).rejects.toMatchObject({ code: "upstream_error" });
  });
});
