import type OpenAI from "openai";
import { APIError, BadRequestError, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { MOCK_THINKING, TOOL_PREAMBLE } from "../mock/mock-anthropic-wire.ts";
import { parseConfig } from "../server/config/load-config.ts";
import { AnthropicAdapter } from "../server/providers/anthropic/anthropic-adapter.ts";
import { useProviderGateway } from "./harness/gateway-hooks.ts";
import {
  collect,
  finishOf,
  HELLO,
  type Json,
  lastUpstream,
  type Message,
  requestBuilders,
  type SharedMockControls,
  TOOL_PROMPT,
  textOf,
  WEATHER_TOOL,
} from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The Anthropic Messages API adapter end to end: the `openai` SDK calls the
 * gateway, which translates to Anthropic's wire format for the mock upstream
 * (speaking Anthropic on /v1/messages) and back.
 */

/** Controls for the mock upstream, sent as an extra body field the adapter passes through. */
interface MockControls extends SharedMockControls {
  cache_read?: number;
  cache_creation?: number;
  stream_error?: string;
}

const MODEL = "claude-test";

let gw: TestGateway;
let openai: OpenAI;

const { chat, streamed } = requestBuilders<MockControls>(MODEL);

useProviderGateway(
  [MODEL],
  (mockUrl) => [
    { name: "claude", type: "anthropic", base_url: `${mockUrl}/v1`, api_key: "sk-ant-test", models: [MODEL] },
  ],
  (started, client) => {
    gw = started;
    openai = client;
  },
);

describe("plain chat", () => {
  it("answers non-streamed, with Anthropic's headers and required max_tokens upstream", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: HELLO }, { tokens: 5 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor sit amet");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.id).toMatch(/^msg_mock/);
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });

    const upstream = lastUpstream(gw);
    expect(upstream.method).toBe("POST");
    expect(upstream.path).toBe("/v1/messages");
    expect(upstream.headers["x-api-key"]).toBe("sk-ant-test");
    expect(upstream.headers["anthropic-version"]).toBe("2023-06-01");
    expect(upstream.headers["content-type"]).toBe("application/json");
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.body).toMatchObject({
      model: MODEL,
      max_tokens: 4096,
      stream: false,
      messages: [{ role: "user", content: [{ type: "text", text: "Hello there, mock upstream!" }] }],
    });
    expect(upstream.body.system).toBeUndefined();
  });

  it("streams the same text with finish, then usage last", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO, max_tokens: 100 }, { tokens: 5 })),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor sit amet");
    expect(finishOf(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    expect(lastUpstream(gw).body).toMatchObject({ stream: true, max_tokens: 100 });
  });

  it("passes temperature, top_p, stop and extra fields (top_k) through", async () => {
    await openai.chat.completions.create(
      chat({ messages: HELLO, temperature: 0.5, top_p: 0.9, stop: ["END"] }, { tokens: 2 }, { top_k: 7 }),
    );
    expect(lastUpstream(gw).body).toMatchObject({
      temperature: 0.5,
      top_p: 0.9,
      stop_sequences: ["END"],
      top_k: 7,
    });
    expect(lastUpstream(gw).body.stop).toBeUndefined();
  });
});

describe("conversation shape", () => {
  const conversation: Message[] = [
    { role: "system", content: "You are terse." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!" },
    { role: "user", content: "How are you?" },
    { role: "user", content: "Answer briefly." },
  ];

  it("hoists the system prompt and merges same-role turns so roles alternate", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: conversation }, { tokens: 3 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor");
    const body = lastUpstream(gw).body;
    expect(body.system).toBe("You are terse.");
    expect(body.messages.map((m: Json) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(body.messages[2].content).toEqual([
      { type: "text", text: "How are you?" },
      { type: "text", text: "Answer briefly." },
    ]);
    // Prompt words: 3 (system) + 1 + 1 + 3 + 2.
    expect(completion.usage?.prompt_tokens).toBe(10);
  });

  it("does the same when streaming, with system and developer both hoisted", async () => {
    const messages: Message[] = [{ role: "developer", content: "Be kind." }, ...conversation];
    const chunks = await collect(await openai.chat.completions.create(streamed({ messages }, { tokens: 3 })));
    expect(textOf(chunks)).toBe("lorem ipsum dolor");
    const body = lastUpstream(gw).body;
    expect(body.system).toEqual([
      { type: "text", text: "Be kind." },
      { type: "text", text: "You are terse." },
    ]);
    expect(body.messages.map((m: Json) => m.role)).toEqual(["user", "assistant", "user"]);
  });
});

describe("tools", () => {
  it("round-trips a tool call: tool_use ⇄ tool_calls, tool message ⇄ tool_result", async () => {
    const first = await openai.chat.completions.create(
      chat({ messages: TOOL_PROMPT, tools: [WEATHER_TOOL] }),
    );
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBe(TOOL_PREAMBLE);
    const call = choice?.message.tool_calls?.[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^toolu_mock/);
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(lastUpstream(gw).body.tools).toEqual([
      {
        name: "get_weather",
        description: "Weather for a city",
        input_schema: WEATHER_TOOL.function.parameters,
      },
    ]);
    expect(lastUpstream(gw).body.tool_choice).toBeUndefined();

    const second = await openai.chat.completions.create(
      chat({
        tools: [WEATHER_TOOL],
        messages: [
          ...TOOL_PROMPT,
          { role: "assistant", content: choice?.message.content ?? null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "Sunny, 22C" },
        ],
      }),
    );
    expect(second.choices[0]?.message.content).toBe("The tool said: Sunny, 22C");
    expect(second.choices[0]?.finish_reason).toBe("stop");
    const messages = lastUpstream(gw).body.messages;
    expect(messages.map((m: Json) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[1].content).toEqual([
      { type: "text", text: TOOL_PREAMBLE },
      { type: "tool_use", id: call.id, name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(messages[2].content).toEqual([
      { type: "tool_result", tool_use_id: call.id, content: "Sunny, 22C" },
    ]);
  });

  it("merges consecutive tool results into one user turn", async () => {
    const completion = await openai.chat.completions.create(
      chat({
        tools: [WEATHER_TOOL],
        messages: [
          { role: "user", content: "Weather in Paris and Rome?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "toolu_a",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
              {
                id: "toolu_b",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Rome"}' },
              },
            ],
          },
          { role: "tool", tool_call_id: "toolu_a", content: "Sunny" },
          { role: "tool", tool_call_id: "toolu_b", content: "Rainy" },
        ],
      }),
    );
    expect(completion.choices[0]?.message.content).toBe("The tool said: Sunny Rainy");
    const messages = lastUpstream(gw).body.messages;
    expect(messages).toHaveLength(3);
    expect(messages[1].content.map((b: Json) => b.id)).toEqual(["toolu_a", "toolu_b"]);
    expect(messages[2]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "toolu_a", content: "Sunny" },
        { type: "tool_result", tool_use_id: "toolu_b", content: "Rainy" },
      ],
    });
  });

  it("maps tool_choice required / function / none and parallel_tool_calls", async () => {
    const base = { messages: HELLO, tools: [WEATHER_TOOL] };
    await openai.chat.completions.create(chat({ ...base, tool_choice: "required" }, { tokens: 1 }));
    expect(lastUpstream(gw).body.tool_choice).toEqual({ type: "any" });
    await openai.chat.completions.create(
      chat(
        {
          ...base,
          tool_choice: { type: "function", function: { name: "get_weather" } },
          parallel_tool_calls: false,
        },
        { tokens: 1 },
      ),
    );
    expect(lastUpstream(gw).body.tool_choice).toEqual({
      type: "tool",
      name: "get_weather",
      disable_parallel_tool_use: true,
    });
    await openai.chat.completions.create(chat({ ...base, tool_choice: "none" }, { tokens: 1 }));
    expect(lastUpstream(gw).body.tool_choice).toEqual({ type: "none" });
  });

  it("streams a tool call with its arguments assembled from input_json_delta fragments", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: TOOL_PROMPT, tools: [WEATHER_TOOL] })),
    );
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.length).toBeGreaterThan(2);
    // The tool_use block is content block 1 (after the text block), but it is tool call 0.
    expect(deltas.every((d) => d.index === 0)).toBe(true);
    expect(deltas[0]?.id).toMatch(/^toolu_mock/);
    expect(deltas[0]?.function?.name).toBe("get_weather");
    expect(deltas.map((d) => d.function?.arguments ?? "").join("")).toBe('{"city":"Paris"}');
    expect(textOf(chunks)).toBe(TOOL_PREAMBLE);
    expect(finishOf(chunks)).toBe("tool_calls");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("rejects tool-call arguments that are not a JSON object, naming the message", async () => {
    const error = await openai.chat.completions
      .create(
        chat({
          messages: [
            { role: "user", content: "hi" },
            {
              role: "assistant",
              content: null,
              tool_calls: [
                { id: "t1", type: "function", function: { name: "get_weather", arguments: "{oops" } },
              ],
            },
            { role: "tool", tool_call_id: "t1", content: "x" },
          ],
          tools: [WEATHER_TOOL],
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain("messages[1].tool_calls[0]");
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("images", () => {
  it("sends a data URL as a base64 image source and an https URL as a url source", async () => {
    await openai.chat.completions.create(
      chat(
        {
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "What is this?" },
                { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
                { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
              ],
            },
          ],
        },
        { tokens: 2 },
      ),
    );
    expect(lastUpstream(gw).body.messages[0].content).toEqual([
      { type: "text", text: "What is this?" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
    ]);
  });
});

describe("usage and finish reasons", () => {
  it("adds cache read and creation tokens into the prompt and reports them (non-streamed)", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO }, { tokens: 2, cache_read: 5, cache_creation: 3 }),
    );
    expect(completion.usage).toMatchObject({
      prompt_tokens: 4 + 5 + 3,
      completion_tokens: 2,
      total_tokens: 14,
      prompt_tokens_details: { cached_tokens: 5 },
    });
  });

  it("does the same when streaming", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO }, { tokens: 2, cache_read: 5 })),
    );
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 2,
      total_tokens: 11,
      prompt_tokens_details: { cached_tokens: 5 },
    });
  });

  it("maps max_tokens to finish_reason length, streamed and not", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: HELLO, max_tokens: 3 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(lastUpstream(gw).body.max_tokens).toBe(3);
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO, max_completion_tokens: 3 })),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor");
    expect(finishOf(chunks)).toBe("length");
  });

  it("turns thinking blocks into reasoning and passes the thinking parameter through", async () => {
    const thinking = { thinking: { type: "enabled", budget_tokens: 1024 } };
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO }, { tokens: 2 }, thinking),
    );
    expect(lastUpstream(gw).body.thinking).toEqual(thinking.thinking);
    const message = completion.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & Json;
    expect(message.reasoning_content).toBe(MOCK_THINKING);
    expect(message.content).toBe("lorem ipsum");
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO }, { tokens: 2 }, thinking)),
    );
    const reasoning = chunks
      .map((c) => (c.choices[0]?.delta as Json | undefined)?.reasoning_content ?? "")
      .join("");
    expect(reasoning).toBe(MOCK_THINKING);
    expect(textOf(chunks)).toBe("lorem ipsum");
  });
});

describe("errors", () => {
  it("maps 529 overloaded to 503 and keeps retry-after", async () => {
    const error = await openai.chat.completions
      .create(chat({ messages: HELLO }, { status: 529, retry_after: 7 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(503);
    expect((error as APIError).headers?.get("retry-after")).toBe("7");
  });

  it("maps 529 to 503 before a stream starts too", async () => {
    const error = await openai.chat.completions
      .create(streamed({ messages: HELLO }, { status: 529 }))
      .catch((e: unknown) => e);
    expect((error as APIError).status).toBe(503);
  });

  it("maps 429 to 429 with retry-after", async () => {
    const error = await openai.chat.completions
      .create(chat({ messages: HELLO }, { status: 429, retry_after: 3 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).headers?.get("retry-after")).toBe("3");
  });

  it("ends a stream with an error when Anthropic sends an error event after the 200", async () => {
    const stream = await openai.chat.completions.create(
      streamed({ messages: HELLO }, { tokens: 3, stream_error: "overloaded_error" }),
    );
    await expect(collect(stream)).rejects.toThrow(/overloaded/);
  });

  it("rejects n > 1 naming the feature and the provider, without calling upstream", async () => {
    const error = await openai.chat.completions
      .create(chat({ messages: HELLO, n: 2 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/n=2.*claude/);
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("rejects JSON response formats, saying so", async () => {
    const error = await openai.chat.completions
      .create(chat({ messages: HELLO, response_format: { type: "json_object" } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/json_object.*claude.*no JSON mode/);
  });

  it("rejects seed, penalties, logprobs and logit_bias", async () => {
    for (const extra of [
      { seed: 1 },
      { presence_penalty: 0.5 },
      { frequency_penalty: 0.5 },
      { logprobs: true },
      { logit_bias: { "42": 1 } },
    ]) {
      const error = await openai.chat.completions
        .create(chat({ messages: HELLO, ...extra }))
        .catch((e: unknown) => e);
      expect(error, JSON.stringify(extra)).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).message).toContain(Object.keys(extra)[0]);
    }
  });
});

describe("models", () => {
  it("lists Anthropic's model page through the adapter", async () => {
    const config = parseConfig({
      providers: [
        { name: "claude", type: "anthropic", base_url: `${gw.mock.url}/v1`, api_key: "sk-ant-test" },
      ],
    });
    const adapter = new AnthropicAdapter(config.providers[0] as (typeof config.providers)[number]);
    try {
      const models = await adapter.listModels(AbortSignal.timeout(5_000));
      expect(models.map((m) => m.id)).toEqual([MODEL]);
      expect(models[0]?.created).toBeGreaterThan(0);
      expect(lastUpstream(gw).headers["anthropic-version"]).toBe("2023-06-01");
    } finally {
      await adapter.close();
    }
  });

  it("keeps the mock's OpenAI model list for OpenAI callers", async () => {
    const body = (await (await fetch(`${gw.mock.url}/v1/models`)).json()) as Json;
    expect(body.object).toBe("list");
    const anthropic = (await (
      await fetch(`${gw.mock.url}/v1/models`, { headers: { "anthropic-version": "2023-06-01" } })
    ).json()) as Json;
    expect(anthropic).toMatchObject({
      has_more: false,
      data: [{ type: "model", id: MODEL, display_name: MODEL }],
    });
  });
});

describe("mock upstream speaks Anthropic", () => {
  const post = (body: Json) =>
    fetch(`${gw.mock.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify(body),
    });

  it("streams named events in Anthropic's order, with a ping and input_json_delta fragments", async () => {
    const response = await post({
      model: MODEL,
      max_tokens: 100,
      stream: true,
      tools: [{ name: "get_weather", input_schema: { type: "object" } }],
      messages: [{ role: "user", content: "Weather? [[call_tool]]" }],
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const frames = (await response.text()).split("\n\n").filter((f) => f.trim() !== "");
    const events = frames.map((f) => {
      const [name, data] = f.split("\n");
      const parsed = JSON.parse(data?.slice(6) ?? "") as Json;
      expect(name).toBe(`event: ${parsed.type}`);
      return parsed;
    });
    const names = events.map((e) => e.type);
    expect(names.slice(0, 4)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
    ]);
    expect(names).toContain("ping");
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    const json = events.filter((e) => e.delta?.type === "input_json_delta");
    expect(json.length).toBeGreaterThan(1);
    expect(json.map((e) => e.delta.partial_json).join("")).toBe('{"city":"Paris"}');
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: "tool_use" }, usage: { output_tokens: 4 } });
  });

  it("fails in Anthropic's error shape and requires max_tokens", async () => {
    const overloaded = await post({ model: MODEL, max_tokens: 5, messages: HELLO, mock: { status: 529 } });
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
    const missing = await post({ model: MODEL, messages: HELLO });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const system = await post({ model: MODEL, max_tokens: 5, messages: [{ role: "system", content: "x" }] });
    expect(system.status).toBe(400);
  });
});
