import Anthropic from "@anthropic-ai/sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { MOCK_THINKING } from "../mock/mock-anthropic-wire.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { Json, SharedMockControls } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The Anthropic Messages surface end to end: the real `@anthropic-ai/sdk`
 * (Bearer auth and a new `anthropic-version`, as SDK 1.x sends them) and
 * raw HTTP (`x-api-key` and 2023-06-01, as Python and curl send them) call
 * the gateway, which translates to an OpenAI-compatible, an Anthropic and an
 * Ollama backend, all played by the mock upstream.
 */

const KEY = "sk-llmgw-anthropic-surface";
const BACKENDS = [
  { backend: "OpenAI-compatible", model: "oai:gpt-mock", path: "/v1/chat/completions" },
  { backend: "Anthropic", model: "claude:claude-mock", path: "/v1/messages" },
  { backend: "Ollama", model: "local:llama-mock", path: "/api/chat" },
] as const;
const WEATHER: Anthropic.Tool = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
/** One transparent pixel, as a client would attach a screenshot. */
const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

let gw: TestGateway;
let client: Anthropic;

useTestGateway(
  {
    mock: { models: ["gpt-mock", "claude-mock", "llama-mock"] },
    config: (mockUrl) => ({
      providers: [
        { name: "oai", base_url: `${mockUrl}/v1`, models: ["gpt-mock"] },
        {
          name: "claude",
          type: "anthropic",
          base_url: `${mockUrl}/v1`,
          api_key: "sk-ant-up",
          models: ["claude-mock"],
        },
        { name: "local", type: "ollama", base_url: mockUrl, models: ["llama-mock"] },
      ],
      keys: [{ name: "tester", key: KEY }],
    }),
  },
  (started) => {
    gw = started;
    client = new Anthropic({
      baseURL: gw.url,
      apiKey: null,
      authToken: KEY,
      defaultHeaders: { "anthropic-version": "2026-01-15" },
      maxRetries: 0,
      timeout: 10_000,
    });
  },
);

beforeEach(() => {
  gw.mock.reset();
});

/** Body fields the SDK's types do not know: the mock's controls, passed through like any unknown field. */
function withMock<T extends object>(params: T, mock: SharedMockControls & Json): T {
  return { ...params, mock } as T;
}

/** The last chat request the mock upstream received (model discovery may have come after it). */
function lastChat(): Json {
  const chat = gw.mock.requests.filter((r) => r.method === "POST").at(-1);
  if (chat === undefined) throw new Error("the mock upstream received no chat request");
  return chat.body as Json;
}

/** A raw request as Python's SDK or curl sends it: `x-api-key` and 2023-06-01. */
function raw(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${gw.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": KEY,
      "anthropic-version": "2023-06-01",
      ...headers,
    },
    body,
  });
}

/** The named events of an SSE body, in order. */
function sseEvents(text: string): Array<{ event: string; data: Json }> {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const lines = frame.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "";
      const data = lines
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      return { event, data: JSON.parse(data) as Json };
    });
}

async function expectAnthropicError(res: Response, status: number, type: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get("request-id")).toBeTruthy();
  const body = (await res.json()) as Json;
  expect(body.type).toBe("error");
  expect(body.error.type).toBe(type);
  expect(typeof body.error.message).toBe("string");
  return body.error.message as string;
}

describe.each(BACKENDS)("the SDK against an $backend backend", ({ model, path }) => {
  it("messages.create answers a message", async () => {
    const message = await client.messages.create(
      withMock(
        { model, max_tokens: 64, system: "Be brief.", messages: [{ role: "user", content: "Hello there!" }] },
        { tokens: 5 },
      ),
    );
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.stop_reason).toBe("end_turn");
    expect(message.content).toEqual([{ type: "text", text: "lorem ipsum dolor sit amet" }]);
    expect(message.usage.output_tokens).toBe(5);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(gw.mock.requests.filter((r) => r.method === "POST").map((r) => r.path)).toEqual([path]);
  });

  it("messages.stream gives the events and finalMessage()", async () => {
    const stream = client.messages.stream(
      withMock(
        { model, max_tokens: 64, messages: [{ role: "user", content: "Hello there!" }] },
        { tokens: 4 },
      ),
    );
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "lorem ipsum dolor sit" }]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage.output_tokens).toBe(4);
    expect(types[0]).toBe("message_start");
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(types.filter((t) => t === "content_block_delta").length).toBe(4);
  });

  it("a tool-use round trip, the call's input streamed as input_json_delta", async () => {
    const question: Anthropic.MessageParam = {
      role: "user",
      content: "What is the weather in Paris? [[call_tool]]",
    };
    const stream = client.messages.stream({ model, max_tokens: 64, tools: [WEATHER], messages: [question] });
    const fragments: string[] = [];
    stream.on("inputJson", (partial) => fragments.push(partial));
    const call = await stream.finalMessage();
    expect(call.stop_reason).toBe("tool_use");
    const use = call.content.find((b) => b.type === "tool_use");
    expect(use).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Paris" } });
    expect(fragments.join("")).toBe('{"city":"Paris"}');
    if (use?.type !== "tool_use") throw new Error("no tool_use block");

    const answer = await client.messages.create({
      model,
      max_tokens: 64,
      tools: [WEATHER],
      messages: [
        question,
        { role: "assistant", content: call.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "Sunny, 21 C" }] },
      ],
    });
    expect(answer.stop_reason).toBe("end_turn");
    expect(answer.content[0]).toMatchObject({ type: "text", text: expect.stringContaining("Sunny, 21 C") });
  });

  it("takes an image", async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 16,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: PIXEL } },
            { type: "text", text: "What is this?" },
          ],
        },
      ],
    });
    expect(message.content[0]?.type).toBe("text");
    const sent = JSON.stringify(lastChat());
    expect(sent).toContain(PIXEL);
  });

  it("counts tokens", async () => {
    const bare = await client.messages.countTokens({
      model,
      messages: [{ role: "user", content: "Hello there!" }],
    });
    const more = await client.messages.countTokens({
      model,
      system: "You are a meteorologist who answers in verse.",
      tools: [WEATHER],
      messages: [{ role: "user", content: "Hello there!" }],
    });
    expect(bare.input_tokens).toBeGreaterThan(0);
    expect(more.input_tokens).toBeGreaterThan(bare.input_tokens);
    expect(gw.mock.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });
});

describe("raw HTTP with x-api-key and 2023-06-01", () => {
  it("answers JSON with the request-id header", async () => {
    const res = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "oai:gpt-mock",
        max_tokens: 16,
        messages: [{ role: "user", content: "Hi" }],
        mock: { tokens: 2 },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("request-id")).toBe(res.headers.get("x-request-id"));
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({
      type: "message",
      role: "assistant",
      model: "gpt-mock",
      content: [{ type: "text", text: "lorem ipsum" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { output_tokens: 2 },
    });
  });

  it("takes a tool-use round trip, an image and count_tokens the same way", async () => {
    const question = { role: "user", content: "What is the weather in Paris? [[call_tool]]" };
    const call = (await (
      await raw(
        "/v1/messages",
        JSON.stringify({ model: "oai:gpt-mock", max_tokens: 64, tools: [WEATHER], messages: [question] }),
      )
    ).json()) as Json;
    expect(call.stop_reason).toBe("tool_use");
    const use = (call.content as Json[]).find((b) => b.type === "tool_use") as Json;
    expect(use).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
    const answer = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "oai:gpt-mock",
        max_tokens: 64,
        tools: [WEATHER],
        messages: [
          question,
          { role: "assistant", content: call.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "Sunny, 21 C" }] },
        ],
      }),
    );
    expect(((await answer.json()) as Json).content[0].text).toContain("Sunny, 21 C");

    const image = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "oai:gpt-mock",
        max_tokens: 16,
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/png", data: PIXEL } },
              { type: "text", text: "What is this?" },
            ],
          },
        ],
      }),
    );
    expect(image.status).toBe(200);
    expect(JSON.stringify(lastChat())).toContain(PIXEL);

    const counted = await raw(
      "/v1/messages/count_tokens",
      JSON.stringify({ model: "oai:gpt-mock", messages: [{ role: "user", content: "Hello there!" }] }),
    );
    expect(counted.status).toBe(200);
    expect(((await counted.json()) as Json).input_tokens).toBeGreaterThan(0);
  });

  it("streams Anthropic's full event sequence", async () => {
    const res = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "claude:claude-mock",
        max_tokens: 16,
        stream: true,
        messages: [{ role: "user", content: "Hi" }],
        mock: { tokens: 2 },
      }),
    );
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const e of events) expect(e.data.type).toBe(e.event);
    expect(events[0]?.data.message).toMatchObject({ role: "assistant", content: [], stop_reason: null });
    expect(events[6]?.data).toMatchObject({
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 2 },
    });
  });

  it("streams thinking with its signature, and sends both back in the next turn", async () => {
    const res = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "claude:claude-mock",
        max_tokens: 2048,
        stream: true,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "Think first." }],
        mock: { tokens: 2 },
      }),
    );
    expect(lastChat().thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    const events = sseEvents(await res.text());
    const deltas = events.filter((e) => e.event === "content_block_delta").map((e) => e.data.delta);
    expect(deltas).toContainEqual({ type: "thinking_delta", thinking: MOCK_THINKING });
    expect(deltas).toContainEqual({ type: "signature_delta", signature: "mock-signature" });
    expect(events.find((e) => e.event === "content_block_start")?.data.content_block.type).toBe("thinking");

    const next = await client.messages.create({
      model: "claude:claude-mock",
      max_tokens: 2048,
      thinking: { type: "enabled", budget_tokens: 1024 },
      messages: [
        { role: "user", content: "Think first." },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: MOCK_THINKING, signature: "mock-signature" },
            { type: "redacted_thinking", data: "opaque" },
            { type: "text", text: "lorem ipsum" },
          ],
        },
        { role: "user", content: [{ type: "text", text: "And now?", cache_control: { type: "ephemeral" } }] },
      ],
    });
    expect(next.content[0]).toEqual({
      type: "thinking",
      thinking: MOCK_THINKING,
      signature: "mock-signature",
    });
    const sent = lastChat();
    expect(sent.messages[1].content).toEqual([
      { type: "thinking", thinking: MOCK_THINKING, signature: "mock-signature" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "text", text: "lorem ipsum" },
    ]);
    expect(sent.messages[2].content).toEqual([
      { type: "text", text: "And now?", cache_control: { type: "ephemeral" } },
    ]);
  });

  it("turns thinking on for an Ollama backend and streams what it thinks", async () => {
    const res = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "local:llama-mock",
        max_tokens: 2048,
        stream: true,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "Think first." }],
        mock: { tokens: 2 },
      }),
    );
    const events = sseEvents(await res.text());
    expect(lastChat().think).toBe(true);
    expect(events.find((e) => e.event === "content_block_start")?.data.content_block.type).toBe("thinking");
    expect(events.at(-1)?.event).toBe("message_stop");
  });

  it("maps thinking to reasoning_effort for an OpenAI-compatible backend", async () => {
    await raw(
      "/v1/messages",
      JSON.stringify({
        model: "oai:gpt-mock",
        max_tokens: 4096,
        thinking: { type: "enabled", budget_tokens: 2000 },
        metadata: { user_id: "user-7" },
        top_k: 5,
        stop_sequences: ["END"],
        messages: [{ role: "user", content: "Hi" }],
      }),
    );
    expect(lastChat()).toMatchObject({
      reasoning_effort: "low",
      user: "user-7",
      top_k: 5,
      stop: ["END"],
      max_tokens: 4096,
    });
  });

  it("lists models in Anthropic's shape when anthropic-version is sent, OpenAI's otherwise", async () => {
    const page = await client.models.list({ limit: 2 });
    expect(page.data[0]).toMatchObject({
      type: "model",
      id: expect.any(String),
      display_name: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(page.data[0]?.created_at ?? ""))).toBe(false);
    const all: string[] = [];
    for await (const model of client.models.list({ limit: 2 })) all.push(model.id);
    expect(all).toEqual(expect.arrayContaining(["oai:gpt-mock", "claude:claude-mock", "local:llama-mock"]));
    const one = await client.models.retrieve("claude:claude-mock");
    expect(one.id).toBe("claude:claude-mock");

    const openai = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(((await openai.json()) as Json).object).toBe("list");
  });
});

describe("errors in Anthropic's shape", () => {
  it("malformed JSON is a 400 invalid_request_error", async () => {
    await expectAnthropicError(await raw("/v1/messages", "{not json"), 400, "invalid_request_error");
  });

  it("a missing model is a 400, an unknown one a 404 not_found_error", async () => {
    const missing = await raw("/v1/messages", JSON.stringify({ max_tokens: 8, messages: [] }));
    expect(await expectAnthropicError(missing, 400, "invalid_request_error")).toContain("model");
    const unknown = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "nope:no-such-model",
        max_tokens: 8,
        messages: [{ role: "user", content: "Hi" }],
      }),
    );
    await expectAnthropicError(unknown, 404, "not_found_error");
  });

  it("a bad key is a 401 authentication_error, through the SDK too", async () => {
    const res = await raw("/v1/messages", "{}", { "x-api-key": "sk-wrong" });
    await expectAnthropicError(res, 401, "authentication_error");
    const bad = new Anthropic({ baseURL: gw.url, apiKey: "sk-wrong", maxRetries: 0 });
    await expect(
      bad.messages.create({
        model: "oai:gpt-mock",
        max_tokens: 8,
        messages: [{ role: "user", content: "Hi" }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it("an upstream 429 is a 429 rate_limit_error with its Retry-After", async () => {
    const res = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "oai:gpt-mock",
        max_tokens: 8,
        messages: [{ role: "user", content: "Hi" }],
        mock: { status: 429, retry_after: 7 },
      }),
    );
    expect(res.headers.get("retry-after")).toBe("7");
    await expectAnthropicError(res, 429, "rate_limit_error");
  });

  it("an overloaded upstream is a 529 overloaded_error", async () => {
    const res = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "claude:claude-mock",
        max_tokens: 8,
        messages: [{ role: "user", content: "Hi" }],
        mock: { status: 529 },
      }),
    );
    await expectAnthropicError(res, 529, "overloaded_error");
  });

  it("refuses what it cannot carry, naming it", async () => {
    const res = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "oai:gpt-mock",
        max_tokens: 8,
        messages: [{ role: "user", content: [{ type: "document", source: { type: "text", data: "x" } }] }],
      }),
    );
    expect(await expectAnthropicError(res, 400, "invalid_request_error")).toContain(
      "messages.0.content.0.type",
    );
  });

  it("a mid-stream upstream failure ends the stream with an error event", async () => {
    const res = await raw(
      "/v1/messages",
      JSON.stringify({
        model: "oai:gpt-mock",
        max_tokens: 64,
        stream: true,
        messages: [{ role: "user", content: "Hi" }],
        mock: { tokens: 8, drop_after: 2 },
      }),
    );
    expect(res.status).toBe(200);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toMatchObject({
      event: "error",
      data: { type: "error", error: { type: "api_error" } },
    });
    expect(events.map((e) => e.event)).not.toContain("message_stop");

    const sdk = client.messages.stream(
      withMock(
        { model: "claude:claude-mock", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
        { tokens: 4, stream_error: "overloaded_error" },
      ),
    );
    await expect(sdk.finalMessage()).rejects.toMatchObject({
      error: { error: { type: "overloaded_error" } },
    });
  });
});
