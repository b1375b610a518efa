import type OpenAI from "openai";
import { APIError, BadRequestError, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { MOCK_THOUGHT } from "../mock/mock-gemini-wire.ts";
import { parseConfig } from "../server/config/load-config.ts";
import { GeminiAdapter } from "../server/providers/gemini/gemini-adapter.ts";
import { useProviderGateway } from "./harness/gateway-hooks.ts";
import {
  type ChatParams,
  collect,
  finishOf,
  HELLO,
  type Json,
  lastUpstream,
  type Message,
  requestBuilders,
  type SharedMockControls,
  type StreamParams,
  TOOL_PROMPT,
  textOf,
} from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The Gemini API adapter end to end: the `openai` SDK calls the gateway,
 * which translates to Gemini's generateContent wire format for the mock
 * upstream (speaking Gemini under /v1beta) and back.
 */

/** Controls for the mock upstream, sent as an extra body field the adapter passes through. */
interface MockControls extends SharedMockControls {
  retry_delay?: number;
  block?: boolean | string;
  finish?: string;
  cached?: number;
  thoughts?: number;
}

const MODEL = "gemini-test";
const weatherTool: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};

let gw: TestGateway;
let openai: OpenAI;

const { chat, streamed } = requestBuilders<MockControls>(MODEL);

async function failure(params: ChatParams | StreamParams): Promise<APIError> {
  const error = await openai.chat.completions.create(params).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(APIError);
  return error as APIError;
}

useProviderGateway(
  [MODEL],
  (mockUrl) => [
    {
      name: "gem",
      type: "gemini",
      base_url: `${mockUrl}/v1beta`,
      api_key: "gemini-key-test",
      models: [MODEL],
      discover: false,
    },
  ],
  (started, client) => {
    gw = started;
    openai = client;
  },
);

describe("plain chat", () => {
  it("answers non-streamed, calling generateContent with the x-goog-api-key header", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: HELLO }, { tokens: 5 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor sit amet");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.id).toMatch(/^mockresp/);
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });

    const upstream = lastUpstream(gw);
    expect(upstream.method).toBe("POST");
    expect(upstream.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
    expect(upstream.headers["x-goog-api-key"]).toBe("gemini-key-test");
    expect(upstream.headers.authorization).toBeUndefined();
    expect(upstream.body.contents).toEqual([
      { role: "user", parts: [{ text: "Hello there, mock upstream!" }] },
    ]);
    expect(upstream.body.systemInstruction).toBeUndefined();
    expect(upstream.body.generationConfig).toBeUndefined();
    expect(upstream.body.model).toBeUndefined();
  });

  it("streams the same text over streamGenerateContent, with finish, then usage last", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO, max_tokens: 100 }, { tokens: 5 })),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor sit amet");
    expect(finishOf(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    const upstream = lastUpstream(gw);
    expect(upstream.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent`);
    expect(upstream.body.generationConfig).toEqual({ maxOutputTokens: 100 });
    expect(upstream.body.stream).toBeUndefined();
  });

  it("puts sampling parameters in generationConfig and passes extra fields through", async () => {
    await openai.chat.completions.create(
      chat(
        {
          messages: HELLO,
          temperature: 0.5,
          top_p: 0.9,
          max_tokens: 50,
          stop: ["END"],
          seed: 42,
          presence_penalty: 0.1,
          frequency_penalty: 0.2,
          n: 1,
        },
        { tokens: 2 },
        {
          top_k: 7,
          thinking_config: { thinkingBudget: 0 },
          safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }],
        },
      ),
    );
    const body = lastUpstream(gw).body;
    expect(body.generationConfig).toEqual({
      temperature: 0.5,
      topP: 0.9,
      maxOutputTokens: 50,
      stopSequences: ["END"],
      seed: 42,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      candidateCount: 1,
      topK: 7,
      thinkingConfig: { thinkingBudget: 0 },
    });
    expect(body.safetySettings).toEqual([{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }]);
    expect(body.top_k).toBeUndefined();
  });

  it("drops OpenAI-only fields that OpenAI-shaped callers send, which Gemini would refuse", async () => {
    const openaiOnly = {
      store: false,
      service_tier: "auto",
      reasoning_effort: "low",
      modalities: ["text"],
      prediction: { type: "content", content: "x" },
      verbosity: "low",
      prompt_cache_key: "k",
      safety_identifier: "u-1",
      web_search_options: {},
    };
    const completion = await openai.chat.completions.create(
      chat(
        { messages: HELLO, user: "u-1", metadata: { team: "a" } },
        { tokens: 2 },
        {
          ...openaiOnly,
          cachedContent: "cachedContents/abc",
        },
      ),
    );
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum");
    const body = lastUpstream(gw).body;
    for (const key of [...Object.keys(openaiOnly), "user", "metadata"]) {
      expect(body[key], key).toBeUndefined();
    }
    // A Gemini field in extra still passes through, as do the mock's controls.
    expect(body.cachedContent).toBe("cachedContents/abc");
    expect(body.mock).toEqual({ tokens: 2 });
    expect(Object.keys(body).sort()).toEqual(["cachedContent", "contents", "mock"]);
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

  it("sends the system prompt as systemInstruction and the turns as user/model", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: conversation }, { tokens: 3 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor");
    const body = lastUpstream(gw).body;
    expect(body.systemInstruction).toEqual({ parts: [{ text: "You are terse." }] });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "Hi" }] },
      { role: "model", parts: [{ text: "Hello!" }] },
      { role: "user", parts: [{ text: "How are you?" }, { text: "Answer briefly." }] },
    ]);
    // Prompt words: 3 (system) + 1 + 1 + 3 + 2.
    expect(completion.usage?.prompt_tokens).toBe(10);
  });

  it("does the same when streaming, with developer and system both in systemInstruction", async () => {
    const messages: Message[] = [{ role: "developer", content: "Be kind." }, ...conversation];
    const chunks = await collect(await openai.chat.completions.create(streamed({ messages }, { tokens: 3 })));
    expect(textOf(chunks)).toBe("lorem ipsum dolor");
    const body = lastUpstream(gw).body;
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Be kind." }, { text: "You are terse." }] });
    expect(body.contents.map((c: Json) => c.role)).toEqual(["user", "model", "user"]);
  });
});

describe("tools", () => {
  it("round-trips a tool call: functionCall ⇄ tool_calls, tool message ⇄ functionResponse by name", async () => {
    const first = await openai.chat.completions.create(chat({ messages: TOOL_PROMPT, tools: [weatherTool] }));
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toBe("call_0");
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(lastUpstream(gw).body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Weather for a city",
            parametersJsonSchema: weatherTool.function.parameters,
          },
        ],
      },
    ]);
    expect(lastUpstream(gw).body.toolConfig).toBeUndefined();

    const second = await openai.chat.completions.create(
      chat({
        tools: [weatherTool],
        messages: [
          ...TOOL_PROMPT,
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "Sunny, 22C" },
        ],
      }),
    );
    expect(second.choices[0]?.message.content).toBe("The tool said: Sunny, 22C");
    expect(second.choices[0]?.finish_reason).toBe("stop");
    const contents = lastUpstream(gw).body.contents;
    expect(contents.map((c: Json) => c.role)).toEqual(["user", "model", "user"]);
    expect(contents[1].parts).toEqual([
      {
        functionCall: { name: "get_weather", args: { city: "Paris" } },
        thoughtSignature: "skip_thought_signature_validator",
      },
    ]);
    expect(contents[2].parts).toEqual([
      { functionResponse: { name: "get_weather", response: { result: "Sunny, 22C" } } },
    ]);
  });

  it("puts parallel results in one user turn and passes JSON-object results as the response", async () => {
    const completion = await openai.chat.completions.create(
      chat({
        tools: [weatherTool, { type: "function", function: { name: "get_time" } }],
        messages: [
          { role: "user", content: "Weather and time in Paris?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "b", type: "function", function: { name: "get_time", arguments: "" } },
            ],
          },
          { role: "tool", tool_call_id: "a", content: "Sunny" },
          { role: "tool", tool_call_id: "b", content: '{"time":"noon"}' },
        ],
      }),
    );
    expect(completion.choices[0]?.message.content).toBe('The tool said: Sunny {"time":"noon"}');
    const contents = lastUpstream(gw).body.contents;
    expect(contents).toHaveLength(3);
    expect(contents[1].parts[1]).toEqual({ functionCall: { name: "get_time", args: {} } });
    expect(contents[2]).toEqual({
      role: "user",
      parts: [
        { functionResponse: { name: "get_weather", response: { result: "Sunny" } } },
        { functionResponse: { name: "get_time", response: { time: "noon" } } },
      ],
    });
  });

  it("rejects a tool result whose id matches no earlier tool call, without calling upstream", async () => {
    const error = await failure(
      chat({
        tools: [weatherTool],
        messages: [...HELLO, { role: "tool", tool_call_id: "nope", content: "x" }],
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/messages\[1\]\.tool_call_id.*gem.*by name/);
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("maps tool_choice to functionCallingConfig modes", async () => {
    const base = { messages: HELLO, tools: [weatherTool] };
    const cases: Array<[ChatParams["tool_choice"], Json]> = [
      ["none", { mode: "NONE" }],
      ["auto", { mode: "AUTO" }],
      ["required", { mode: "ANY" }],
      [
        { type: "function", function: { name: "get_weather" } },
        { mode: "ANY", allowedFunctionNames: ["get_weather"] },
      ],
    ];
    for (const [choice, config] of cases) {
      await openai.chat.completions.create(chat({ ...base, tool_choice: choice }, { tokens: 1 }));
      expect(lastUpstream(gw).body.toolConfig, JSON.stringify(choice)).toEqual({
        functionCallingConfig: config,
      });
    }
  });

  it("streams a tool call whole: one delta with id, name and the full arguments", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: TOOL_PROMPT, tools: [weatherTool] })),
    );
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({
      index: 0,
      id: "call_0",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    expect(finishOf(chunks)).toBe("tool_calls");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });
});

describe("images", () => {
  it("sends a data URL as inlineData and an https image URL as fileData", async () => {
    await openai.chat.completions.create(
      chat(
        {
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "What is this?" },
                { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
                { type: "image_url", image_url: { url: "https://example.com/cat.JPG?size=big" } },
              ],
            },
          ],
        },
        { tokens: 2 },
      ),
    );
    expect(lastUpstream(gw).body.contents[0].parts).toEqual([
      { text: "What is this?" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/cat.JPG?size=big" } },
    ]);
  });

  it("rejects an image URL whose media type cannot be inferred", async () => {
    const error = await failure(
      chat({
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "https://example.com/image?id=7" } }],
          },
        ],
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toMatch(/messages\[0\]\.content\[0\].*gem.*media type/);
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("JSON mode", () => {
  it("asks for application/json and returns JSON text", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO, response_format: { type: "json_object" } }, { tokens: 2 }),
    );
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual({ answer: "lorem ipsum" });
    expect(lastUpstream(gw).body.generationConfig).toEqual({ responseMimeType: "application/json" });
  });

  it("sends a json_schema as responseJsonSchema", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const chunks = await collect(
      await openai.chat.completions.create(
        streamed(
          {
            messages: HELLO,
            response_format: { type: "json_schema", json_schema: { name: "reply", schema } },
          },
          { tokens: 2 },
        ),
      ),
    );
    expect(JSON.parse(textOf(chunks))).toEqual({ answer: "lorem ipsum" });
    expect(lastUpstream(gw).body.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseJsonSchema: schema,
    });
  });
});

describe("usage and reasoning", () => {
  const expected = {
    prompt_tokens: 4 + 5,
    completion_tokens: 2 + 3,
    total_tokens: 14,
    prompt_tokens_details: { cached_tokens: 5 },
    completion_tokens_details: { reasoning_tokens: 3 },
  };

  it("keeps cached tokens inside the prompt and counts thoughts as completion (non-streamed)", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO }, { tokens: 2, cached: 5, thoughts: 3 }),
    );
    expect(completion.usage).toMatchObject(expected);
    const message = completion.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & Json;
    expect(message.reasoning_content).toBe(MOCK_THOUGHT);
    expect(message.content).toBe("lorem ipsum");
  });

  it("does the same when streaming, with thought parts as reasoning deltas", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(
        streamed({ messages: HELLO }, { tokens: 2, cached: 5, thoughts: 3 }),
      ),
    );
    expect(chunks.at(-1)?.usage).toMatchObject(expected);
    const reasoning = chunks
      .map((c) => (c.choices[0]?.delta as Json | undefined)?.reasoning_content ?? "")
      .join("");
    expect(reasoning).toBe(MOCK_THOUGHT);
    expect(textOf(chunks)).toBe("lorem ipsum");
  });
});

describe("finish reasons", () => {
  it("maps MAX_TOKENS to length", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO, max_tokens: 2 }, { tokens: 5 }),
    );
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum");
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO, max_tokens: 2 }, { tokens: 5 })),
    );
    expect(finishOf(chunks)).toBe("length");
  });

  it("maps SAFETY and the other filter reasons to content_filter", async () => {
    for (const finish of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"]) {
      const completion = await openai.chat.completions.create(
        chat({ messages: HELLO }, { tokens: 1, finish }),
      );
      expect(completion.choices[0]?.finish_reason, finish).toBe("content_filter");
    }
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO }, { tokens: 1, finish: "SAFETY" })),
    );
    expect(finishOf(chunks)).toBe("content_filter");
  });

  it("answers a blocked prompt (promptFeedback, no candidates) as an empty content_filter choice", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: HELLO }, { block: true }));
    expect(completion.choices[0]?.finish_reason).toBe("content_filter");
    expect(completion.choices[0]?.message.content ?? "").toBe("");
    expect(completion.usage?.prompt_tokens).toBe(4);
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO }, { block: "PROHIBITED_CONTENT" })),
    );
    expect(finishOf(chunks)).toBe("content_filter");
    expect(textOf(chunks)).toBe("");
    expect(chunks.at(-1)?.usage?.prompt_tokens).toBe(4);
  });
});

describe("errors", () => {
  it("maps 429 RESOURCE_EXHAUSTED to 429 and keeps Retry-After", async () => {
    const error = await failure(chat({ messages: HELLO }, { status: 429, retry_after: 3 }));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.headers?.get("retry-after")).toBe("3");
  });

  it("takes the retry delay from RetryInfo in the body when there is no header", async () => {
    const error = await failure(chat({ messages: HELLO }, { status: 429, retry_delay: 9 }));
    expect(error.status).toBe(429);
    expect(error.headers?.get("retry-after")).toBe("9");
    expect(error.message).toContain("Mock upstream error");
  });

  it("maps 503 UNAVAILABLE to 503, streamed or not", async () => {
    expect((await failure(chat({ messages: HELLO }, { status: 503 }))).status).toBe(503);
    expect((await failure(streamed({ messages: HELLO }, { status: 503 }))).status).toBe(503);
  });

  it("maps an upstream 400 INVALID_ARGUMENT to 400", async () => {
    expect((await failure(chat({ messages: HELLO }, { status: 400 }))).status).toBe(400);
  });

  it("ends a stream with an error when the upstream cuts it before finishReason", async () => {
    const stream = await openai.chat.completions.create(
      streamed({ messages: HELLO }, { tokens: 5, drop_after: 2 }),
    );
    await expect(collect(stream)).rejects.toThrow();
  });

  it("rejects logit_bias and parallel_tool_calls=false naming the feature and the provider", async () => {
    const logit = await failure(chat({ messages: HELLO, logit_bias: { "42": 1 } }));
    expect(logit).toBeInstanceOf(BadRequestError);
    expect(logit.message).toMatch(/logit_bias.*gem.*Gemini/);
    const parallel = await failure(
      chat({ messages: HELLO, tools: [weatherTool], parallel_tool_calls: false }),
    );
    expect(parallel).toBeInstanceOf(BadRequestError);
    expect(parallel.message).toMatch(/parallel_tool_calls=false.*gem/);
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("models", () => {
  it("lists Gemini's models through the adapter, without the models/ prefix", async () => {
    const config = parseConfig({
      providers: [
        { name: "gem", type: "gemini", base_url: `${gw.mock.url}/v1beta`, api_key: "gemini-key-test" },
      ],
    });
    const adapter = new GeminiAdapter(config.providers[0] as (typeof config.providers)[number]);
    try {
      const models = await adapter.listModels(AbortSignal.timeout(5_000));
      expect(models).toEqual([{ id: MODEL, created: 0, ownedBy: "google" }]);
      expect(lastUpstream(gw).path).toBe("/v1beta/models");
      expect(lastUpstream(gw).headers["x-goog-api-key"]).toBe("gemini-key-test");
    } finally {
      await adapter.close();
    }
  });
});

describe("mock upstream speaks Gemini", () => {
  const post = (action: string, body: Json) =>
    fetch(`${gw.mock.url}/v1beta/models/${MODEL}:${action}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": "k" },
      body: JSON.stringify(body),
    });
  const user = [{ role: "user", parts: [{ text: "Weather? [[call_tool]]" }] }];
  const tools = [{ functionDeclarations: [{ name: "get_weather" }] }];

  it("streams bare data: chunks with alt=sse, no event names and no [DONE]", async () => {
    const response = await post("streamGenerateContent?alt=sse", { contents: user, tools });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const frames = (await response.text()).split("\r\n\r\n").filter((f) => f.trim() !== "");
    expect(frames.every((f) => f.startsWith("data: {"))).toBe(true);
    const chunks = frames.map((f) => JSON.parse(f.slice(6)) as Json);
    expect(chunks[0]?.candidates[0].content.parts[0]).toEqual({
      functionCall: { name: "get_weather", args: { city: "Paris" } },
    });
    expect(chunks.at(-1)?.candidates[0].finishReason).toBe("STOP");
    expect(chunks.at(-1)?.usageMetadata.candidatesTokenCount).toBeGreaterThan(0);
  });

  it("answers streamGenerateContent without alt=sse as one JSON array", async () => {
    const response = await post("streamGenerateContent", {
      contents: [{ role: "user", parts: [{ text: "hi" }] }],
    });
    expect(response.headers.get("content-type")).toBe("application/json");
    const chunks = (await response.json()) as Json[];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.at(-1)?.candidates[0].finishReason).toBe("STOP");
  });

  it("fails in Gemini's error shape and rejects roles other than user and model", async () => {
    const limited = await post("generateContent", { contents: user, mock: { status: 429, retry_delay: 4 } });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      error: {
        code: 429,
        message: "Mock upstream error (status 429)",
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "4s" }],
      },
    });
    const bad = await post("generateContent", { contents: [{ role: "assistant", parts: [{ text: "x" }] }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
  });
});
