import type OpenAI from "openai";
import { APIError, BadRequestError, NotFoundError } from "openai";
import { describe, expect, it } from "vitest";
import { OLLAMA_THINKING } from "../mock/mock-ollama-wire.ts";
import { parseConfig } from "../server/config/load-config.ts";
import { ndjsonFramer } from "../server/providers/ollama/ndjson-framer.ts";
import { OllamaAdapter } from "../server/providers/ollama/ollama-adapter.ts";
import { useProviderGateway } from "./harness/gateway-hooks.ts";
import {
  type ChatParams,
  collect,
  failure,
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
 * The Ollama native API adapter end to end: the `openai` SDK calls the
 * gateway, which translates to Ollama's /api/chat (NDJSON streaming, tool
 * arguments as objects, sampling settings in `options`) for the mock upstream
 * speaking Ollama, and back.
 */

/** Controls for the mock upstream, sent as an extra body field the adapter passes through top-level. */
interface MockControls extends SharedMockControls {
  no_counts?: boolean;
  stream_error?: string;
}

/** Ollama model names carry a tag after a colon; routing must still find the provider. */
const MODEL = "llama3.2:latest";
const OTHER = "qwen3:8b";

let gw: TestGateway;
let openai: OpenAI;

const { chat, streamed } = requestBuilders<MockControls>(MODEL);

useProviderGateway(
  [MODEL, OTHER],
  (mockUrl) => [{ name: "local", type: "ollama", base_url: mockUrl, models: [MODEL] }],
  (started, client) => {
    gw = started;
    openai = client;
  },
);

describe("plain chat", () => {
  it("answers non-streamed from /api/chat with stream:false, and usage from the eval counts", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: HELLO }, { tokens: 5 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor sit amet");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    expect((completion.usage as Json).estimated).toBeUndefined();
    expect(completion.created).toBeGreaterThan(1_700_000_000);

    const upstream = lastUpstream(gw);
    expect(upstream.method).toBe("POST");
    expect(upstream.path).toBe("/api/chat");
    expect(upstream.headers["content-type"]).toBe("application/json");
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.body).toEqual({
      model: MODEL,
      messages: [{ role: "user", content: "Hello there, mock upstream!" }],
      stream: false,
      mock: { tokens: 5 },
    });
  });

  it("streams the same text over NDJSON with finish, then usage last", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO }, { tokens: 5 })),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor sit amet");
    expect(finishOf(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    expect(lastUpstream(gw).body.stream).toBe(true);
    expect(lastUpstream(gw).body.stream_options).toBeUndefined();
  });

  it("sends an api_key as a bearer token, for Ollama behind an authenticating proxy", async () => {
    const config = parseConfig({
      providers: [{ name: "local", type: "ollama", base_url: gw.mock.url, api_key: "secret-key" }],
    });
    const adapter = new OllamaAdapter(config.providers[0] as (typeof config.providers)[number]);
    try {
      await adapter.listModels(AbortSignal.timeout(5_000));
      expect(lastUpstream(gw).headers.authorization).toBe("Bearer secret-key");
    } finally {
      await adapter.close();
    }
  });
});

describe("conversation shape", () => {
  const conversation: Message[] = [
    { role: "system", content: "You are terse." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!" },
    { role: "user", content: "How are you?" },
  ];

  it("keeps the system prompt as a message, in place, one message for one", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: conversation }, { tokens: 3 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor");
    expect(lastUpstream(gw).body.messages).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "How are you?" },
    ]);
    // Prompt words: 3 + 1 + 1 + 3.
    expect(completion.usage?.prompt_tokens).toBe(8);
  });

  it("does the same when streaming, with a developer message as system", async () => {
    const messages: Message[] = [{ role: "developer", content: "Be kind." }, ...conversation];
    const chunks = await collect(await openai.chat.completions.create(streamed({ messages }, { tokens: 3 })));
    expect(textOf(chunks)).toBe("lorem ipsum dolor");
    expect(lastUpstream(gw).body.messages.map((m: Json) => m.role)).toEqual([
      "system",
      "system",
      "user",
      "assistant",
      "user",
    ]);
  });
});

describe("tools", () => {
  it("round-trips a tool call: object arguments ⇄ string arguments, tool message with tool_name", async () => {
    const first = await openai.chat.completions.create(
      chat({ messages: TOOL_PROMPT, tools: [WEATHER_TOOL] }),
    );
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content ?? "").toBe("");
    const call = choice?.message.tool_calls?.[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toBe("call_0");
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(lastUpstream(gw).body.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather for a city",
          parameters: WEATHER_TOOL.function.parameters,
        },
      },
    ]);
    expect(lastUpstream(gw).body.tool_choice).toBeUndefined();

    const second = await openai.chat.completions.create(
      chat({
        tools: [WEATHER_TOOL],
        messages: [
          ...TOOL_PROMPT,
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "Sunny, 22C" },
        ],
      }),
    );
    expect(second.choices[0]?.message.content).toBe("The tool said: Sunny, 22C");
    expect(second.choices[0]?.finish_reason).toBe("stop");
    const messages = lastUpstream(gw).body.messages;
    expect(messages[1]).toEqual({
      role: "assistant",
      content: "",
      tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }],
    });
    expect(messages[2]).toEqual({ role: "tool", content: "Sunny, 22C", tool_name: "get_weather" });
  });

  it("streams a tool call whole, as one delta with id, name and arguments", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: TOOL_PROMPT, tools: [WEATHER_TOOL] })),
    );
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({
      index: 0,
      id: "call_0",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    expect(JSON.parse(deltas.map((d) => d.function?.arguments ?? "").join(""))).toEqual({ city: "Paris" });
    expect(finishOf(chunks)).toBe("tool_calls");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("rejects tool-call arguments that are not a JSON object, naming the message", async () => {
    for (const args of ["{oops", "[1,2]"]) {
      const error = await failure(
        openai.chat.completions.create(
          chat({
            messages: [
              { role: "user", content: "hi" },
              {
                role: "assistant",
                content: null,
                tool_calls: [
                  { id: "t1", type: "function", function: { name: "get_weather", arguments: args } },
                ],
              },
              { role: "tool", tool_call_id: "t1", content: "x" },
            ],
            tools: [WEATHER_TOOL],
          }),
        ),
      );
      expect(error, args).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).message).toContain("messages[1].tool_calls[0]");
      expect((error as BadRequestError).message).toContain("local");
    }
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("honours tool_choice none by not sending tools, and auto by sending them", async () => {
    const none = await openai.chat.completions.create(
      chat({ messages: TOOL_PROMPT, tools: [WEATHER_TOOL], tool_choice: "none" }, { tokens: 2 }),
    );
    expect(none.choices[0]?.finish_reason).toBe("stop");
    expect(lastUpstream(gw).body.tools).toBeUndefined();
    await openai.chat.completions.create(
      chat({ messages: HELLO, tools: [WEATHER_TOOL], tool_choice: "auto" }, { tokens: 2 }),
    );
    expect(lastUpstream(gw).body.tools).toHaveLength(1);
    expect(lastUpstream(gw).body.tool_choice).toBeUndefined();
  });

  it("rejects tool_choice required and a named function, saying Ollama has no tool_choice", async () => {
    const choices: OpenAI.Chat.ChatCompletionToolChoiceOption[] = [
      "required",
      { type: "function", function: { name: "get_weather" } },
    ];
    for (const tool_choice of choices) {
      const error = await failure(
        openai.chat.completions.create(chat({ messages: HELLO, tools: [WEATHER_TOOL], tool_choice })),
      );
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).message).toMatch(/tool_choice.*local.*no tool_choice/);
    }
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("images", () => {
  it("sends a data URL image as base64 in the message's images", async () => {
    await openai.chat.completions.create(
      chat(
        {
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "What is this?" },
                { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
              ],
            },
          ],
        },
        { tokens: 2 },
      ),
    );
    expect(lastUpstream(gw).body.messages).toEqual([
      { role: "user", content: "What is this?", images: ["iVBORw0KGgo="] },
    ]);
  });

  it("rejects an http image URL, naming the feature and the provider", async () => {
    const error = await failure(
      openai.chat.completions.create(
        chat({
          messages: [
            {
              role: "user",
              content: [{ type: "image_url", image_url: { url: "https://example.com/cat.jpg" } }],
            },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/image URLs.*local.*base64/);
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("JSON mode", () => {
  it("maps json_object to format json, streamed and not", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO, response_format: { type: "json_object" } }, { tokens: 3 }),
    );
    expect(lastUpstream(gw).body.format).toBe("json");
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual({ answer: "lorem ipsum dolor" });
    const chunks = await collect(
      await openai.chat.completions.create(
        streamed({ messages: HELLO, response_format: { type: "json_object" } }, { tokens: 3 }),
      ),
    );
    expect(JSON.parse(textOf(chunks))).toEqual({ answer: "lorem ipsum dolor" });
  });

  it("maps json_schema to format with the schema object", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    await openai.chat.completions.create(
      chat(
        { messages: HELLO, response_format: { type: "json_schema", json_schema: { name: "reply", schema } } },
        { tokens: 2 },
      ),
    );
    expect(lastUpstream(gw).body.format).toEqual(schema);
  });
});

describe("options", () => {
  it("moves sampling fields into options: max_tokens as num_predict, stop, seed, penalties", async () => {
    await openai.chat.completions.create(
      chat(
        {
          messages: HELLO,
          max_tokens: 50,
          temperature: 0.5,
          top_p: 0.9,
          stop: ["END"],
          seed: 7,
          presence_penalty: 0.1,
          frequency_penalty: 0.2,
        },
        { tokens: 2 },
      ),
    );
    const body = lastUpstream(gw).body;
    expect(body.options).toEqual({
      num_predict: 50,
      temperature: 0.5,
      top_p: 0.9,
      stop: ["END"],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
    });
    for (const key of ["max_tokens", "temperature", "stop", "seed"]) expect(body[key]).toBeUndefined();
  });

  it("puts extra fields that are Ollama options (num_ctx, top_k) into options, others top-level", async () => {
    await openai.chat.completions.create(
      chat(
        { messages: HELLO, temperature: 0.3 },
        { tokens: 2 },
        { num_ctx: 8192, top_k: 20, repeat_penalty: 1.1, keep_alive: "10m", options: { min_p: 0.05 } },
      ),
    );
    const body = lastUpstream(gw).body;
    expect(body.options).toEqual({
      num_ctx: 8192,
      top_k: 20,
      repeat_penalty: 1.1,
      min_p: 0.05,
      temperature: 0.3,
    });
    expect(body.keep_alive).toBe("10m");
    expect(body.num_ctx).toBeUndefined();
  });

  it("passes think top-level and turns the thinking into reasoning, streamed and not", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO }, { tokens: 2 }, { think: true }),
    );
    expect(lastUpstream(gw).body.think).toBe(true);
    const message = completion.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & Json;
    expect(message.reasoning_content).toBe(OLLAMA_THINKING);
    expect(message.content).toBe("lorem ipsum");
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO }, { tokens: 2 }, { think: true })),
    );
    const reasoning = chunks
      .map((c) => (c.choices[0]?.delta as Json | undefined)?.reasoning_content ?? "")
      .join("");
    expect(reasoning).toBe(OLLAMA_THINKING);
    expect(textOf(chunks)).toBe("lorem ipsum");
  });
});

describe("usage and finish reasons", () => {
  it("maps done_reason length (num_predict reached) to finish_reason length, streamed and not", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: HELLO, max_tokens: 3 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(lastUpstream(gw).body.options).toEqual({ num_predict: 3 });
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO, max_completion_tokens: 3 })),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor");
    expect(finishOf(chunks)).toBe("length");
  });

  it("estimates usage, marked estimated, when Ollama sends no eval counts", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO }, { tokens: 5, no_counts: true }),
    );
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect((completion.usage as Json).estimated).toBe(true);
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO }, { tokens: 5, no_counts: true })),
    );
    const usage = chunks.at(-1)?.usage as Json;
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.estimated).toBe(true);
  });
});

describe("errors", () => {
  it("maps Ollama's 404 for a model that is not pulled to 404", async () => {
    const error = await failure(openai.chat.completions.create({ model: "local:missing", messages: HELLO }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).message).toContain('model "missing" not found');
  });

  it("maps 503 to 503 and keeps retry-after, before a stream starts too", async () => {
    const error = await failure(
      openai.chat.completions.create(chat({ messages: HELLO }, { status: 503, retry_after: 7 })),
    );
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(503);
    expect((error as APIError).headers?.get("retry-after")).toBe("7");
    const streamError = await failure(
      openai.chat.completions.create(streamed({ messages: HELLO }, { status: 503, retry_after: 2 })),
    );
    expect((streamError as APIError).status).toBe(503);
    expect((streamError as APIError).headers?.get("retry-after")).toBe("2");
  });

  it("ends a stream with an error when Ollama sends an error line after the 200", async () => {
    const stream = await openai.chat.completions.create(
      streamed({ messages: HELLO }, { tokens: 3, stream_error: "model runner crashed" }),
    );
    await expect(collect(stream)).rejects.toThrow(/model runner crashed/);
  });

  it("ends a stream with an error when it stops before the done line", async () => {
    const stream = await openai.chat.completions.create(
      streamed({ messages: HELLO }, { tokens: 3, done: false }),
    );
    await expect(collect(stream)).rejects.toThrow(/before it finished/);
  });

  it("ends a stream with an error when the connection drops mid-stream", async () => {
    const stream = await openai.chat.completions.create(
      streamed({ messages: HELLO }, { tokens: 5, drop_after: 2 }),
    );
    await expect(collect(stream)).rejects.toThrow();
  });

  it("rejects n > 1, logprobs, top_logprobs and logit_bias naming them, without calling upstream", async () => {
    for (const extra of [{ n: 2 }, { logprobs: true }, { top_logprobs: 2 }, { logit_bias: { "42": 1 } }]) {
      const error = await failure(openai.chat.completions.create(chat({ messages: HELLO, ...extra })));
      expect(error, JSON.stringify(extra)).toBeInstanceOf(BadRequestError);
      const name = Object.keys(extra)[0] as string;
      expect((error as BadRequestError).message).toMatch(new RegExp(`${name}.*local.*Ollama`));
    }
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("models", () => {
  it("lists /api/tags through the adapter", async () => {
    const config = parseConfig({ providers: [{ name: "local", type: "ollama", base_url: gw.mock.url }] });
    const adapter = new OllamaAdapter(config.providers[0] as (typeof config.providers)[number]);
    try {
      const models = await adapter.listModels(AbortSignal.timeout(5_000));
      expect(models.map((m) => m.id)).toEqual([MODEL, OTHER]);
      expect(models[0]?.created).toBeGreaterThan(0);
      expect(models[0]?.ownedBy).toBe("ollama");
      expect(lastUpstream(gw).path).toBe("/api/tags");
    } finally {
      await adapter.close();
    }
  });

  it("serves a discovered model by name through the gateway", async () => {
    const ids = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toContain(`local:${OTHER}`);
    const completion = await openai.chat.completions.create({
      model: OTHER,
      messages: HELLO,
      mock: { tokens: 1 },
    } as ChatParams);
    expect(completion.choices[0]?.message.content).toBe("lorem");
    expect(lastUpstream(gw).body.model).toBe(OTHER);
  });
});

describe("NDJSON line splitting", () => {
  it("reassembles lines split anywhere, including inside a UTF-8 sequence", () => {
    const euro = new TextEncoder().encode('{"t":"€"}\n');
    const lines: string[] = [];
    const framer = ndjsonFramer(undefined, (line) => lines.push(line));
    const parts = ['{"a":', '1}\r\n\n{"b"', ":2}\n", euro.slice(0, 7), euro.slice(7), '{"c":3}'];
    for (const part of parts) framer.feed(typeof part === "string" ? new TextEncoder().encode(part) : part);
    framer.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"t":"€"}', '{"c":3}']);
  });
});

describe("mock upstream speaks Ollama", () => {
  const post = (body: Json) =>
    fetch(`${gw.mock.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("streams NDJSON by default, a tool call whole in one line, then done with counts", async () => {
    const response = await post({
      model: MODEL,
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
      messages: [{ role: "user", content: "Weather? [[call_tool]]" }],
    });
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await response.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Json);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      model: MODEL,
      done: false,
      message: {
        role: "assistant",
        content: "",
        tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }],
      },
    });
    expect(lines[1]).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 2 });
    expect(lines[1]?.eval_count).toBeGreaterThan(0);
  });

  it("answers one JSON object with stream:false, and leaves the counts out with no_counts", async () => {
    const response = await post({ model: MODEL, stream: false, messages: HELLO, mock: { tokens: 2 } });
    expect(await response.json()).toMatchObject({
      message: { role: "assistant", content: "lorem ipsum" },
      done: true,
      done_reason: "stop",
      prompt_eval_count: 4,
      eval_count: 2,
    });
    const bare = (await (
      await post({ model: MODEL, stream: false, messages: HELLO, mock: { no_counts: true } })
    ).json()) as Json;
    expect(bare.done).toBe(true);
    expect(bare.eval_count).toBeUndefined();
    expect(bare.prompt_eval_count).toBeUndefined();
  });

  it("fails in Ollama's error shape, as the real server would", async () => {
    const overloaded = await post({ model: MODEL, messages: HELLO, mock: { status: 503 } });
    expect(overloaded.status).toBe(503);
    expect(await overloaded.json()).toEqual({ error: "mock upstream error (status 503)" });
    const missing = await post({ model: "nope", messages: HELLO });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'model "nope" not found, try pulling it first' });
    const stringArgs = await post({
      model: MODEL,
      messages: [
        { role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: "{}" } }] },
      ],
    });
    expect(stringArgs.status).toBe(400);
    const dataUrl = await post({
      model: MODEL,
      messages: [{ role: "user", content: "x", images: ["data:image/png;base64,iVBORw0KGgo="] }],
    });
    expect(dataUrl.status).toBe(400);
    expect(((await dataUrl.json()) as Json).error).toMatch(/base64/);
  });

  it("lists the models on /api/tags", async () => {
    const tags = (await (await fetch(`${gw.mock.url}/api/tags`)).json()) as Json;
    expect(tags.models.map((m: Json) => m.name)).toEqual([MODEL, OTHER]);
    expect(tags.models[0]).toMatchObject({ model: MODEL, details: { format: "gguf" } });
    expect(Date.parse(tags.models[0].modified_at)).toBeGreaterThan(0);
  });
});
