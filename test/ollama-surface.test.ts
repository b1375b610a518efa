import { type ChatResponse, Ollama } from "ollama";
import { beforeEach, describe, expect, it } from "vitest";
import { MOCK_EMBEDDING_DIMENSIONS, mockEmbedding } from "../mock/mock-embeddings.ts";
import { OLLAMA_THINKING } from "../mock/mock-ollama-wire.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { failure, type Json, lastUpstream } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The real `ollama` npm client against the gateway's Ollama-compatible API,
 * as Open WebUI and other Ollama clients use it: LLMGW in front of an
 * OpenAI-compatible backend (the mock speaking OpenAI), and an Ollama backend
 * (the mock speaking Ollama) where thinking comes back.
 */

const KEY = "sk-ollama-test-0001";
const MODEL = "mock-small";
const HELLO = [{ role: "user", content: "Hello there, mock upstream!" }];
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString("base64");

/** What the `ollama` client throws for an error status: `error` is the body's message. */
interface ResponseError extends Error {
  error: string;
  status_code: number;
}

let gw: TestGateway;
let ollama: Ollama;

useTestGateway(
  {
    mock: { models: [MODEL, "llama3.2"] },
    config: (mockUrl) => ({
      keys: [{ name: "ollama-user", key: KEY }],
      providers: [
        { name: "mock", base_url: `${mockUrl}/v1`, models: [MODEL, "mock-embed"] },
        { name: "local", type: "ollama", base_url: mockUrl, models: ["llama3.2"] },
      ],
    }),
  },
  (started) => {
    gw = started;
    ollama = new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${KEY}` } });
  },
);
beforeEach(() => {
  gw.mock.reset();
});

/** Mock controls ride as an extra body field, which the surface passes through to the upstream. */
function withMock<T extends object>(request: T, mock: Json): T {
  return { ...request, mock } as T;
}

/** The body of the last request the mock received on `path` (model discovery may poll in between). */
function lastOn(path: string): Json {
  const request = gw.mock.requests.filter((r) => r.path === path).at(-1);
  if (request === undefined) throw new Error(`the mock upstream received no request on ${path}`);
  return request.body as Json;
}

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, ...headers },
    body,
  });
}

/** An error answer in Ollama's shape: exactly `{"error": "..."}`, with the status. */
async function expectOllamaError(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as Json;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error).toBe("string");
  return body.error as string;
}

function expectDurations(part: ChatResponse): void {
  expect(part.total_duration).toBeGreaterThan(0);
  expect(part.prompt_eval_duration).toBeGreaterThan(0);
  expect(part.load_duration).toBeGreaterThanOrEqual(0);
  expect(part.eval_duration).toBeGreaterThanOrEqual(0);
  expect(part.prompt_eval_duration + part.eval_duration + part.load_duration).toBeLessThanOrEqual(
    part.total_duration + 1,
  );
}

describe("chat", () => {
  it("answers stream:false with the message, done_reason, token counts and durations", async () => {
    const answer = await ollama.chat({
      model: MODEL,
      messages: HELLO,
      options: { temperature: 0.3, top_p: 0.9, num_predict: 5, stop: ["END"], seed: 42, top_k: 20 },
      keep_alive: "10m",
    });
    expect(answer.model).toBe(MODEL);
    expect(answer.message).toMatchObject({ role: "assistant", content: "lorem ipsum dolor sit amet" });
    expect(answer.done).toBe(true);
    expect(answer.done_reason).toBe("length");
    expect(answer.prompt_eval_count).toBe(4);
    expect(answer.eval_count).toBe(5);
    expectDurations(answer);
    expect(Number.isNaN(Date.parse(String(answer.created_at)))).toBe(false);
    const upstream = lastUpstream(gw);
    expect(upstream.path).toBe("/v1/chat/completions");
    expect(upstream.body).toMatchObject({
      model: MODEL,
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 5,
      stop: ["END"],
      seed: 42,
      top_k: 20,
      stream: false,
    });
    expect(upstream.body.keep_alive).toBeUndefined();
    expect(upstream.body.options).toBeUndefined();
  });

  it("streams NDJSON whose parts join to the whole answer, ending with a done part", async () => {
    const whole = await ollama.chat({ model: MODEL, messages: HELLO });
    const parts: ChatResponse[] = [];
    for await (const part of await ollama.chat({ model: MODEL, messages: HELLO, stream: true }))
      parts.push(part);
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.map((p) => p.message.content).join("")).toBe(whole.message.content);
    expect(parts.slice(0, -1).every((p) => !p.done)).toBe(true);
    const last = parts.at(-1) as ChatResponse;
    expect(last).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 4, eval_count: 16 });
    expectDurations(last);
    expect(last.eval_duration).toBeGreaterThan(0);
  });

  it("streams by default, as Ollama does, when the body does not say", async () => {
    const res = await post("/api/chat", JSON.stringify({ model: MODEL, messages: HELLO }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.at(-1)?.done).toBe(true);
  });

  it("round-trips a tool call with object arguments, streamed and not", async () => {
    const prompt = [{ role: "user", content: "What is the weather in Paris? [[call_tool]]" }];
    const first = await ollama.chat({ model: MODEL, messages: prompt, tools: [WEATHER_TOOL] });
    const call = first.message.tool_calls?.[0];
    expect(call?.function).toEqual({ name: "get_weather", arguments: { city: "Paris" } });
    expect(first.done_reason).toBe("stop");

    const parts: ChatResponse[] = [];
    for await (const part of await ollama.chat({
      model: MODEL,
      messages: prompt,
      tools: [WEATHER_TOOL],
      stream: true,
    }))
      parts.push(part);
    const streamed = parts.flatMap((p) => p.message.tool_calls ?? []);
    expect(streamed.map((c) => c.function)).toEqual([{ name: "get_weather", arguments: { city: "Paris" } }]);

    // The client sends the call back as Ollama does (no id), then the result by tool name.
    const second = await ollama.chat({
      model: MODEL,
      messages: [
        ...prompt,
        { role: "assistant", content: "", tool_calls: [{ function: call?.function as never }] },
        { role: "tool", content: "sunny, 21C", tool_name: "get_weather" },
      ],
      tools: [WEATHER_TOOL],
    });
    expect(second.message.content).toBe("The tool said: sunny, 21C");
    const messages = lastUpstream(gw).body.messages as Json[];
    const id = messages[1]?.tool_calls?.[0]?.id;
    expect(id).toBeTruthy();
    expect(messages[1]).toMatchObject({
      role: "assistant",
      tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
    });
    expect(messages[2]).toMatchObject({ role: "tool", tool_call_id: id, content: "sunny, 21C" });
  });

  it("sends images as data URLs and a JSON schema format as response_format", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    await ollama.chat({
      model: MODEL,
      messages: [{ role: "user", content: "What is this?", images: [PNG] }],
      format: schema,
    });
    const body = lastUpstream(gw).body;
    expect(body.messages[0].content).toEqual([
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } },
    ]);
    expect(body.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "response", schema },
    });
  });

  it("passes think to an Ollama backend and returns its thinking as message.thinking", async () => {
    const answer = await ollama.chat({ model: "local:llama3.2", messages: HELLO, think: true });
    expect(lastOn("/api/chat").think).toBe(true);
    expect(answer.message.thinking).toBe(OLLAMA_THINKING);
    let thinking = "";
    for await (const part of await ollama.chat({
      model: "local:llama3.2:latest",
      messages: HELLO,
      think: "low",
      stream: true,
    }))
      thinking += part.message.thinking ?? "";
    expect(lastOn("/api/chat").think).toBe("low");
    expect(thinking).toBe(OLLAMA_THINKING);
  });
});

describe("generate", () => {
  it("answers a prompt with a system message, streamed and not", async () => {
    const answer = await ollama.generate({ model: MODEL, system: "Be brief.", prompt: "Tell me a story" });
    expect(answer.response?.split(" ")).toHaveLength(16);
    expect(answer).toMatchObject({ done: true, done_reason: "stop", eval_count: 16 });
    expect(lastUpstream(gw).body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Tell me a story" },
    ]);
    let text = "";
    let done = false;
    for await (const part of await ollama.generate({
      model: MODEL,
      prompt: "Tell me a story",
      stream: true,
    })) {
      text += part.response;
      done = part.done;
    }
    expect(text).toBe(answer.response);
    expect(done).toBe(true);
  });

  it("answers an empty prompt (a load request) with done_reason load and no upstream call", async () => {
    const answer = await ollama.generate({ model: MODEL, prompt: "" });
    expect(answer).toMatchObject({ model: MODEL, response: "", done: true, done_reason: "load" });
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("refuses raw prompts and token context, naming them", async () => {
    const raw = (await failure(ollama.generate({ model: MODEL, prompt: "x", raw: true }))) as ResponseError;
    expect(raw.status_code).toBe(400);
    expect(raw.error).toMatch(/raw: true is not supported/);
    const context = (await failure(
      ollama.generate({ model: MODEL, prompt: "x", context: [1, 2] }),
    )) as ResponseError;
    expect(context.error).toMatch(/context is not supported/);
  });
});

describe("models, embeddings and probes", () => {
  it("lists the catalogue in Ollama's shape", async () => {
    const { models } = await ollama.list();
    const small = models.find((m) => m.name === `mock:${MODEL}`);
    expect(small).toMatchObject({ model: `mock:${MODEL}`, size: 0 });
    expect(small?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isNaN(Date.parse(String(small?.modified_at)))).toBe(false);
    expect(small?.details).toMatchObject({ format: "", family: "", parameter_size: "" });
    expect(models.some((m) => m.name === "local:llama3.2")).toBe(true);
  });

  it("shows a model, and answers 404 in Ollama's shape for one it does not know", async () => {
    const shown = await ollama.show({ model: MODEL });
    expect(shown.capabilities).toContain("completion");
    expect((shown.model_info as unknown as Json)["general.architecture"]).toBe("llmgw");
    const missing = (await failure(ollama.show({ model: "nope" }))) as ResponseError;
    expect(missing.status_code).toBe(404);
    expect(missing.error).toMatch(/nope/);
  });

  it("embeds a batch, and one prompt on the older /api/embeddings", async () => {
    const result = await ollama.embed({ model: "mock-embed", input: ["first text", "second text"] });
    expect(result.model).toBe("mock-embed");
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings[0]).toHaveLength(MOCK_EMBEDDING_DIMENSIONS);
    const expected = mockEmbedding("second text");
    result.embeddings[1]?.forEach((value, i) => {
      expect(value).toBeCloseTo(expected[i] as number, 5);
    });
    expect(result.prompt_eval_count).toBeGreaterThan(0);
    const single = await ollama.embeddings({ model: "mock-embed", prompt: "first text" });
    expect(single.embedding).toHaveLength(MOCK_EMBEDDING_DIMENSIONS);
  });

  it("answers the version and the root probe, and refuses model management clearly", async () => {
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
    const root = await fetch(`${gw.url}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toBe("Ollama is running");
    expect((await fetch(`${gw.url}/`, { method: "HEAD" })).status).toBe(200);
    const pull = (await failure(ollama.pull({ model: "llama3" }))) as ResponseError;
    expect(pull.status_code).toBe(404);
    expect(pull.error).toMatch(/does not manage/);
  });
});

describe("errors in Ollama's shape", () => {
  it("malformed JSON is a 400", async () => {
    const message = await expectOllamaError(await post("/api/chat", '{"model": "mock-small",'), 400);
    expect(message).toMatch(/JSON/i);
  });

  it("wrong types and wrong methods are clear 4xx answers in Ollama's shape", async () => {
    expect(await expectOllamaError(await post("/api/chat", "null"), 400)).toMatch(/body must be an object/);
    const seed = JSON.stringify({ model: MODEL, messages: HELLO, options: { seed: 1e300 } });
    expect(await expectOllamaError(await post("/api/chat", seed), 400)).toMatch(/options.seed/);
    const messages = JSON.stringify({ model: MODEL, messages: "hi" });
    expect(await expectOllamaError(await post("/api/chat", messages), 400)).toMatch(
      /messages must be an array/,
    );
    const get = await fetch(`${gw.url}/api/chat`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(get.headers.get("allow")).toBe("POST");
    await expectOllamaError(get, 405);
    expect(gw.mock.requests.filter((r) => r.path !== "/v1/models" && r.path !== "/api/tags")).toHaveLength(0);
  });

  it("a missing model is a 400 naming it", async () => {
    const error = (await failure(ollama.chat({ model: "", messages: HELLO }))) as ResponseError;
    expect(error.status_code).toBe(400);
    expect(error.error).toBe("model is required");
    await expectOllamaError(await post("/api/generate", JSON.stringify({ prompt: "hi" })), 400);
  });

  it("a bad key is a 401, on the model routes too", async () => {
    const stranger = new Ollama({ host: gw.url, headers: { Authorization: "Bearer sk-wrong" } });
    const chat = (await failure(stranger.chat({ model: MODEL, messages: HELLO }))) as ResponseError;
    expect(chat.status_code).toBe(401);
    const list = (await failure(stranger.list())) as ResponseError;
    expect(list.status_code).toBe(401);
    await expectOllamaError(await post("/api/embed", "{}", { authorization: "" }), 401);
  });

  it("an upstream 429 is a 429 with its retry-after", async () => {
    const res = await post(
      "/api/chat",
      JSON.stringify({ model: MODEL, messages: HELLO, mock: { status: 429, retry_after: 3 } }),
    );
    expect(res.headers.get("retry-after")).toBe("3");
    expect(await expectOllamaError(res, 429)).toMatch(/429/);
    const error = (await failure(
      ollama.chat(withMock({ model: MODEL, messages: HELLO, stream: true as const }, { status: 429 })),
    )) as ResponseError;
    expect(error.status_code).toBe(429);
  });

  it("an upstream that drops mid-stream ends the NDJSON with an error line, which the client throws", async () => {
    const res = await post(
      "/api/chat",
      JSON.stringify({ model: MODEL, messages: HELLO, mock: { drop_after: 2 } }),
    );
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.some((line) => line.done === true)).toBe(false);
    expect(Object.keys(lines.at(-1) as Json)).toEqual(["error"]);

    const stream = await ollama.chat(
      withMock({ model: MODEL, messages: HELLO, stream: true as const }, { drop_after: 2 }),
    );
    const seen: string[] = [];
    const thrown = await failure(
      (async () => {
        for await (const part of stream) seen.push(part.message.content);
      })(),
    );
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect((thrown as Error).message).toMatch(/mock/);
  });
});
