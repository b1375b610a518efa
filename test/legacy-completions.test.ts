import type OpenAI from "openai";
import { APIError, AuthenticationError, BadRequestError, RateLimitError } from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { failure, type Json, lastUpstream, meta, openaiClient } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The real `openai` SDK's `completions.create` (the legacy text completions
 * API, which LangChain's `OpenAI` LLM class calls) against the gateway in
 * front of the OpenAI-compatible mock: the prompt reaches the upstream as one
 * user message of a chat, and the answer comes back as `text_completion`.
 */

const KEY = "sk-legacy-test-0001";
const MODEL = "mock-small";

let gw: TestGateway;
let openai: OpenAI;

useTestGateway({ config: { keys: [{ name: "legacy", key: KEY }] } }, (started) => {
  gw = started;
  openai = openaiClient(gw, KEY);
});
beforeEach(() => {
  gw.mock.reset();
});

type Params = OpenAI.CompletionCreateParamsNonStreaming;
type StreamParams = OpenAI.CompletionCreateParamsStreaming;
/** Mock controls ride as an extra body field, which the gateway passes through to the upstream. */
const withMock = <T extends object>(params: T, mock: Json): T => ({ ...params, mock }) as T;

function post(body: string, headers: Record<string, string> = {}) {
  return fetch(`${gw.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, ...headers },
    body,
  });
}

async function collect(stream: AsyncIterable<OpenAI.Completion>): Promise<OpenAI.Completion[]> {
  const chunks: OpenAI.Completion[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("completions.create", () => {
  it("answers a prompt as text_completion, with OpenAI's default of 16 tokens", async () => {
    const completion = await openai.completions.create({
      model: MODEL,
      prompt: "Once upon a time",
    } as Params);
    expect(completion.object).toBe("text_completion");
    expect(completion.id).toMatch(/^cmpl-/);
    const choice = completion.choices[0];
    expect(choice?.text.split(" ")).toHaveLength(16);
    // The mock's answer is 16 tokens long, so it ends on its own at the limit.
    expect(choice).toMatchObject({ index: 0, logprobs: null, finish_reason: "stop" });
    expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 });
    expect(meta(completion)).toMatchObject({ provider: "mock", model: MODEL });
    const upstream = lastUpstream(gw);
    expect(upstream.path).toBe("/v1/chat/completions");
    expect(upstream.body).toMatchObject({
      model: MODEL,
      messages: [{ role: "user", content: "Once upon a time" }],
      max_tokens: 16,
    });
  });

  it("takes LangChain's shape: a prompt list of one, best_of 1, stop, and sampling fields", async () => {
    const completion = await openai.completions.create({
      model: MODEL,
      prompt: ["Say something"],
      max_tokens: 5,
      temperature: 0.7,
      top_p: 1,
      n: 1,
      best_of: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      stop: ["END"],
    });
    expect(completion.choices[0]?.text).toBe("lorem ipsum dolor sit amet");
    expect(lastUpstream(gw).body).toMatchObject({ max_tokens: 5, temperature: 0.7, n: 1, stop: ["END"] });
    expect(lastUpstream(gw).body.best_of).toBeUndefined();
  });

  it("streams text chunks that join to the whole text, then a usage chunk when asked", async () => {
    const whole = await openai.completions.create({ model: MODEL, prompt: "Tell me", max_tokens: 8 });
    const chunks = await collect(
      await openai.completions.create({
        model: MODEL,
        prompt: "Tell me",
        max_tokens: 8,
        stream: true,
        stream_options: { include_usage: true },
      } as StreamParams),
    );
    expect(chunks.every((c) => c.object === "text_completion")).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.text ?? "").join("")).toBe(whole.choices[0]?.text);
    const last = chunks.at(-1) as OpenAI.Completion;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
  });

  it("streams without a usage chunk unless asked, the metadata on the finish chunk", async () => {
    const chunks = await collect(
      await openai.completions.create({ model: MODEL, prompt: "Tell me", stream: true }),
    );
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    expect(meta(chunks.at(-1) as object)).toMatchObject({ provider: "mock" });
  });

  it("refuses what a chat answer cannot give, naming the field", async () => {
    const echo = await failure(openai.completions.create({ model: MODEL, prompt: "x", echo: true }));
    expect(echo).toBeInstanceOf(BadRequestError);
    expect((echo as BadRequestError).param).toBe("echo");
    const many = await failure(openai.completions.create({ model: MODEL, prompt: ["a", "b"] }));
    expect((many as BadRequestError).message).toMatch(/2 prompts/);
    const tokens = await failure(openai.completions.create({ model: MODEL, prompt: [1, 2, 3] }));
    expect((tokens as BadRequestError).message).toMatch(/token-id/);
    const logprobs = await failure(openai.completions.create({ model: MODEL, prompt: "x", logprobs: 2 }));
    expect((logprobs as BadRequestError).param).toBe("logprobs");
    const suffix = await failure(openai.completions.create({ model: MODEL, prompt: "x", suffix: "y" }));
    expect((suffix as BadRequestError).param).toBe("suffix");
  });
});

describe("errors in OpenAI's shape", () => {
  it("malformed JSON is a 400 invalid_request_error", async () => {
    const res = await post('{"model": "mock-small",');
    expect(res.status).toBe(400);
    const body = (await res.json()) as Json;
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_request" });
  });

  it("a missing model is a 400 naming it", async () => {
    const error = await failure(openai.completions.create({ prompt: "x" } as Params));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe("model");
  });

  it("a bad key is a 401", async () => {
    const error = await failure(
      openaiClient(gw, "sk-wrong").completions.create({ model: MODEL, prompt: "x" }),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it("an upstream 429 is a 429 rate_limit_error with its retry-after", async () => {
    const res = await post(
      JSON.stringify({ model: MODEL, prompt: "x", mock: { status: 429, retry_after: 3 } }),
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    const error = await failure(
      openai.completions.create(withMock<Params>({ model: MODEL, prompt: "x" }, { status: 429 })),
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).code).toBe("upstream_rate_limited");
  });

  it("an upstream that drops mid-stream ends the stream with an error event, which the SDK throws", async () => {
    const res = await post(
      JSON.stringify({ model: MODEL, prompt: "x", stream: true, mock: { drop_after: 2 } }),
    );
    const events = (await res.text()).trim().split("\n\n");
    expect(events.at(-1)).not.toContain("[DONE]");
    expect(JSON.parse((events.at(-1) as string).slice(6)).error).toMatchObject({ code: "upstream_error" });

    const stream = await openai.completions.create(
      withMock<StreamParams>({ model: MODEL, prompt: "x", stream: true }, { drop_after: 2 }),
    );
    const texts: string[] = [];
    const thrown = await failure(
      (async () => {
        for await (const chunk of stream) texts.push(chunk.choices[0]?.text ?? "");
      })(),
    );
    expect(texts.length).toBeGreaterThanOrEqual(2);
    expect(thrown).toBeInstanceOf(APIError);
  });
});
