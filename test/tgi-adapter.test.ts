import type OpenAI from "openai";
import { APIError, BadRequestError, RateLimitError } from "openai";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../server/config/load-config.ts";
import { TgiAdapter } from "../server/providers/tgi/tgi-adapter.ts";
import { useProviderGateway } from "./harness/gateway-hooks.ts";
import {
  collect,
  failure,
  finishOf,
  HELLO,
  type Json,
  lastUpstream,
  type Message,
  requestBuilders,
  textOf,
} from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The TGI native adapter end to end: the `openai` SDK calls the gateway,
 * which renders the chat with the provider's template and calls the mock
 * upstream's `/generate` and `/generate_stream` (TGI's native API).
 */

const MODEL = "tgi-test";
const conversation: Message[] = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Hi" },
  { role: "assistant", content: "Hello!" },
  { role: "user", content: "How are you?" },
];
/** The chatml prompt of `HELLO`: 6 whitespace-separated words, which is the mock's input_length. */
const HELLO_PROMPT = "<|im_start|>user\nHello there, mock upstream!<|im_end|>\n<|im_start|>assistant\n";

let gw: TestGateway;
let openai: OpenAI;

/** Mock controls are the shared ones; the adapter forwards them inside TGI's `parameters`. */
const { chat, streamed } = requestBuilders(MODEL);

useProviderGateway(
  [MODEL],
  (mockUrl) => [
    { name: "tgi", type: "tgi", base_url: mockUrl, models: [MODEL] },
    ...(["llama3", "mistral", "plain"] as const).map((template) => ({
      name: template,
      type: "tgi",
      chat_template: template,
      base_url: mockUrl,
      models: [`${template}-model`],
      discover: false,
    })),
  ],
  (started, client) => {
    gw = started;
    openai = client;
  },
);

describe("plain chat", () => {
  it("answers non-streamed from /generate, with a chatml prompt and details asked for", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: HELLO }, { tokens: 5 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor sit amet");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    // 5 words and the EOS token; /generate reports no prompt length, so the prompt is estimated.
    expect(completion.usage?.completion_tokens).toBe(6);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);

    const upstream = lastUpstream(gw);
    expect(upstream.method).toBe("POST");
    expect(upstream.path).toBe("/generate");
    expect(upstream.body).toEqual({
      inputs: HELLO_PROMPT,
      parameters: { mock: { tokens: 5 }, max_new_tokens: 512, stop: ["<|im_end|>"], details: true },
    });
  });

  it("streams the same text from /generate_stream, skipping the special EOS token, usage last", async () => {
    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO, max_tokens: 100 }, { tokens: 5 })),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor sit amet");
    expect(textOf(chunks)).not.toContain("</s>");
    expect(finishOf(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 6, total_tokens: 12 });
    const upstream = lastUpstream(gw);
    expect(upstream.path).toBe("/generate_stream");
    expect(upstream.body.inputs).toBe(HELLO_PROMPT);
    expect(upstream.body.parameters.max_new_tokens).toBe(100);
    expect(upstream.body.stream).toBeUndefined();
  });

  it("takes the exact prompt length from prefill when decoder_input_details is asked for", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO }, { tokens: 2 }, { decoder_input_details: true }),
    );
    expect(completion.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 });
  });
});

describe("parameters", () => {
  it("maps temperature, top_p, seed and stop, and passes TGI's own parameters from extra", async () => {
    await openai.chat.completions.create(
      chat(
        { messages: HELLO, temperature: 0.7, top_p: 0.9, seed: 42, stop: ["END"], max_tokens: 20 },
        { tokens: 2 },
        { top_k: 5, repetition_penalty: 1.1, typical_p: 0.9, watermark: true },
      ),
    );
    expect(lastUpstream(gw).body.parameters).toEqual({
      mock: { tokens: 2 },
      top_k: 5,
      repetition_penalty: 1.1,
      typical_p: 0.9,
      watermark: true,
      temperature: 0.7,
      top_p: 0.9,
      seed: 42,
      stop: ["END", "<|im_end|>"],
      max_new_tokens: 20,
      details: true,
    });
  });

  it("turns temperature 0 into greedy decoding and drops top_p 1 (TGI rejects both)", async () => {
    await openai.chat.completions.create(chat({ messages: HELLO, temperature: 0, top_p: 1 }, { tokens: 2 }));
    const parameters = lastUpstream(gw).body.parameters;
    expect(parameters.do_sample).toBe(false);
    expect(parameters.temperature).toBeUndefined();
    expect(parameters.top_p).toBeUndefined();
  });
});

describe("chat templates", () => {
  it("renders a multi-turn chat with a system prompt as chatml (the default)", async () => {
    const completion = await openai.chat.completions.create(chat({ messages: conversation }, { tokens: 3 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor");
    expect(lastUpstream(gw).body.inputs).toBe(
      "<|im_start|>system\nYou are terse.<|im_end|>\n" +
        "<|im_start|>user\nHi<|im_end|>\n" +
        "<|im_start|>assistant\nHello!<|im_end|>\n" +
        "<|im_start|>user\nHow are you?<|im_end|>\n" +
        "<|im_start|>assistant\n",
    );
    expect(lastUpstream(gw).body.add_special_tokens).toBeUndefined();
  });

  it("renders llama3 headers, stops on <|eot_id|>, and keeps TGI from adding a second BOS", async () => {
    const chunks = await collect(
      await openai.chat.completions.create({
        ...streamed({ messages: conversation }, { tokens: 3 }),
        model: "llama3:llama3-model",
      }),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor");
    const body = lastUpstream(gw).body;
    expect(body.inputs).toBe(
      "<|begin_of_text|>" +
        "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
    );
    expect(body.parameters.stop).toEqual(["<|eot_id|>"]);
    expect(body.add_special_tokens).toBe(false);
  });

  it("folds the system prompt into mistral's first [INST] turn", async () => {
    await openai.chat.completions.create({
      ...chat({ messages: conversation }, { tokens: 1 }),
      model: "mistral:mistral-model",
    });
    expect(lastUpstream(gw).body.inputs).toBe(
      "<s>[INST] You are terse.\n\nHi [/INST] Hello!</s>[INST] How are you? [/INST]",
    );
  });

  it("writes role: content lines for plain", async () => {
    await openai.chat.completions.create({
      ...chat({ messages: conversation }, { tokens: 1 }),
      model: "plain:plain-model",
    });
    expect(lastUpstream(gw).body.inputs).toBe(
      "system: You are terse.\nuser: Hi\nassistant: Hello!\nuser: How are you?\nassistant:",
    );
  });
});

describe("JSON mode", () => {
  it("sends json_object as a JSON grammar and returns JSON", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO, response_format: { type: "json_object" } }, { tokens: 2 }),
    );
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual({ answer: "lorem ipsum" });
    expect(lastUpstream(gw).body.parameters.grammar).toEqual({ type: "json", value: { type: "object" } });
  });

  it("sends a json_schema's schema as the grammar, streaming", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const chunks = await collect(
      await openai.chat.completions.create(
        streamed(
          {
            messages: HELLO,
            response_format: { type: "json_schema", json_schema: { name: "answer", schema } },
          },
          { tokens: 3 },
        ),
      ),
    );
    expect(JSON.parse(textOf(chunks))).toEqual({ answer: "lorem ipsum dolor" });
    expect(lastUpstream(gw).body.parameters.grammar).toEqual({ type: "json", value: schema });
  });
});

describe("finish reasons", () => {
  it("maps length when max_new_tokens cuts the answer", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO, max_tokens: 3 }, { tokens: 10 }),
    );
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(3);

    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO, max_tokens: 3 }, { tokens: 10 })),
    );
    expect(textOf(chunks)).toBe("lorem ipsum dolor");
    expect(finishOf(chunks)).toBe("length");
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 3 });
  });

  it("maps stop_sequence to stop and leaves the stop sequence out, as OpenAI does", async () => {
    const completion = await openai.chat.completions.create(
      chat({ messages: HELLO, stop: ["dolor"] }, { tokens: 10 }),
    );
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum ");
    expect(completion.choices[0]?.finish_reason).toBe("stop");

    const chunks = await collect(
      await openai.chat.completions.create(streamed({ messages: HELLO, stop: ["dolor"] }, { tokens: 10 })),
    );
    expect(textOf(chunks)).toBe("lorem ipsum ");
    expect(finishOf(chunks)).toBe("stop");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(3);
  });

  it("holds back a stop sequence that spans tokens while streaming", async () => {
    const params = { messages: HELLO, stop: ["sit am"] };
    const completion = await openai.chat.completions.create(chat(params, { tokens: 10 }));
    expect(completion.choices[0]?.message.content).toBe("lorem ipsum dolor ");
    const chunks = await collect(await openai.chat.completions.create(streamed(params, { tokens: 10 })));
    expect(textOf(chunks)).toBe("lorem ipsum dolor ");
  });
});

describe("errors", () => {
  it("maps a 422 validation error to 400, keeping TGI's message", async () => {
    const error = await failure(openai.chat.completions.create(chat({ messages: HELLO }, { status: 422 })));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain("Mock upstream error (status 422)");
  });

  it("keeps the caller's 4 stops over the template's, and maps TGI's refusal of 5 to 400", async () => {
    await openai.chat.completions.create(
      chat({ messages: HELLO, stop: ["a", "b", "c", "d"] }, { tokens: 1 }),
    );
    expect(lastUpstream(gw).body.parameters.stop).toEqual(["a", "b", "c", "d"]);
    const error = await failure(
      openai.chat.completions.create(chat({ messages: HELLO, stop: ["a", "b", "c", "d", "e"] })),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain("up to 4 stop sequences");
  });

  it("maps 503 to 503 with retry-after, before a stream starts too", async () => {
    for (const params of [
      chat({ messages: HELLO }, { status: 503, retry_after: 7 }),
      streamed({ messages: HELLO }, { status: 503, retry_after: 7 }),
    ]) {
      const error = await failure(openai.chat.completions.create(params));
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).status).toBe(503);
      expect((error as APIError).headers?.get("retry-after")).toBe("7");
    }
  });

  it("maps 429 overloaded to 429 and 424 generation errors to an upstream error", async () => {
    const limited = await failure(
      openai.chat.completions.create(chat({ messages: HELLO }, { status: 429, retry_after: 3 })),
    );
    expect(limited).toBeInstanceOf(RateLimitError);
    const failed = await failure(openai.chat.completions.create(chat({ messages: HELLO }, { status: 424 })));
    expect((failed as APIError).status).toBe(502);
  });

  it("ends a stream with an error when the upstream drops the connection mid-stream", async () => {
    const stream = await openai.chat.completions.create(
      streamed({ messages: HELLO }, { tokens: 5, drop_after: 2 }),
    );
    await expect(collect(stream)).rejects.toThrow();
  });

  it("ends a stream with an error when TGI stops without the final details event", async () => {
    const stream = await openai.chat.completions.create(
      streamed({ messages: HELLO }, { tokens: 3, done: false }),
    );
    await expect(collect(stream)).rejects.toThrow(/before it finished/);
  });

  it("rejects tools, naming TGI and pointing to its OpenAI-compatible route, without calling upstream", async () => {
    const error = await failure(
      openai.chat.completions.create(
        chat({
          messages: HELLO,
          tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
        }),
      ),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    const message = (error as BadRequestError).message;
    expect(message).toContain("tools is not supported by provider tgi (TGI native /generate API)");
    expect(message).toContain(`type: openai and base_url ${gw.mock.url}/v1`);
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("rejects images the same way", async () => {
    const error = await failure(
      openai.chat.completions.create(
        chat({
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text: "What is this?" },
                { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
              ],
            },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/images.*provider tgi.*type: openai/);
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("rejects n > 1, logprobs, logit_bias and the penalties, naming each", async () => {
    for (const extra of [
      { n: 2 },
      { logprobs: true },
      { logit_bias: { "42": 1 } },
      { presence_penalty: 0.5 },
      { frequency_penalty: 0.5 },
    ]) {
      const error = await failure(openai.chat.completions.create(chat({ messages: HELLO, ...extra })));
      expect(error, JSON.stringify(extra)).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).message).toContain(Object.keys(extra)[0]);
      expect((error as BadRequestError).message).toContain("provider tgi");
    }
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("models", () => {
  it("discovers the one model a TGI server runs from /info", async () => {
    const config = parseConfig({ providers: [{ name: "tgi", type: "tgi", base_url: gw.mock.url }] });
    const adapter = new TgiAdapter(config.providers[0] as (typeof config.providers)[number]);
    try {
      const models = await adapter.listModels(AbortSignal.timeout(5_000));
      expect(models).toEqual([{ id: MODEL, created: 0, ownedBy: "tgi" }]);
      expect(lastUpstream(gw).path).toBe("/info");
    } finally {
      await adapter.close();
    }
  });
});

describe("mock upstream speaks TGI", () => {
  const post = (path: string, body: Json) =>
    fetch(`${gw.mock.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("streams bare data events, the last with generated_text and details", async () => {
    const response = await post("/generate_stream", {
      inputs: "one two three",
      parameters: { max_new_tokens: 2, details: true },
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = (await response.text())
      .split("\n\n")
      .filter((f) => f.trim() !== "")
      .map((f) => {
        expect(f.startsWith("data:")).toBe(true);
        return JSON.parse(f.slice(5)) as Json;
      });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ token: { text: "lorem", special: false }, details: null });
    expect(events[1]).toMatchObject({
      token: { text: " ipsum" },
      generated_text: "lorem ipsum",
      details: { finish_reason: "length", generated_tokens: 2, input_length: 3 },
    });
  });

  it("refuses unknown fields and invalid parameters with 422 validation errors", async () => {
    const unknown = await post("/generate", { inputs: "hi", model: "x" });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ error_type: "validation" });
    const zero = await post("/generate", { inputs: "hi", parameters: { temperature: 0 } });
    expect(zero.status).toBe(422);
    expect(((await zero.json()) as Json).error).toContain("temperature");
    const topP = await post("/generate", { inputs: "hi", parameters: { top_p: 1 } });
    expect(topP.status).toBe(422);
  });

  it("answers /info and fails in TGI's error shape", async () => {
    const info = (await (await fetch(`${gw.mock.url}/info`)).json()) as Json;
    expect(info).toMatchObject({ model_id: MODEL, max_input_tokens: 4095, max_total_tokens: 4096 });
    const overloaded = await post("/generate", { inputs: "hi", parameters: { mock: { status: 429 } } });
    expect(overloaded.status).toBe(429);
    expect(await overloaded.json()).toEqual({
      error: "Mock upstream error (status 429)",
      error_type: "overloaded",
    });
  });
});
