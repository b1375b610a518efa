import type OpenAI from "openai";
import { AuthenticationError, NotFoundError } from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import {
  type Chunk,
  collect,
  HELLO,
  lastUpstream,
  meta,
  openaiClient,
  requestBuilders,
  TOOL_PROMPT,
  textOf,
  WEATHER_TOOL,
} from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The real `openai` SDK against a real gateway in front of the real mock
 * upstream: what an existing OpenAI client sees when it only changes its
 * base URL.
 */

/** Usage as the gateway renders it: OpenAI's fields plus `estimated` when it counted the tokens itself. */
type GatewayUsage = OpenAI.CompletionUsage & { estimated?: boolean };

/**
 * Bodies for mock-small, with the mock's shared controls as an extra field the gateway passes through.
 * Streams ask for the usage chunk only where a case says so: its absence is under test too.
 */
const { chat, streamed } = requestBuilders("mock-small", { includeUsage: false });

describe("OpenAI SDK against an open gateway", () => {
  let gw: TestGateway;
  let openai: OpenAI;

  useTestGateway({ config: { aliases: { fast: "mock:mock-small" } } }, (started) => {
    gw = started;
    openai = openaiClient(gw);
  });
  beforeEach(() => {
    gw.mock.reset();
  });

  describe("chat completions", () => {
    it("returns content, usage, finish_reason and the x-llmgw metadata", async () => {
      const completion = await openai.chat.completions.create(chat({ messages: HELLO }));
      expect(completion.object).toBe("chat.completion");
      const choice = completion.choices[0];
      expect(choice?.finish_reason).toBe("stop");
      expect(choice?.message.role).toBe("assistant");
      expect(choice?.message.content?.startsWith("lorem ipsum dolor")).toBe(true);
      expect(choice?.message.content?.split(" ")).toHaveLength(16);
      expect(completion.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 });
      expect((completion.usage as GatewayUsage).estimated).toBeUndefined();

      const gateway = meta(completion);
      expect(gateway).toMatchObject({ provider: "mock", model: "mock-small" });
      expect(gateway.latency_ms).toBeGreaterThan(0);
      expect(gateway.ttft_ms).toBeGreaterThan(0);
      expect(gateway.ttft_ms).toBeLessThanOrEqual(gateway.latency_ms);
      expect(gateway.request_id).toBe(completion._request_id);
    });

    it("streams with include_usage: a usage chunk, and text equal to the non-stream text", async () => {
      const whole = await openai.chat.completions.create(chat({ messages: HELLO }));
      const chunks = await collect(
        await openai.chat.completions.create(
          streamed({ messages: HELLO, stream_options: { include_usage: true } }),
        ),
      );
      expect(textOf(chunks)).toBe(whole.choices[0]?.message.content);
      expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
      expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);

      const usageChunks = chunks.filter((c) => c.usage);
      expect(usageChunks).toHaveLength(1);
      const last = chunks.at(-1) as Chunk;
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 });
      expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
      expect(meta(last)).toMatchObject({ provider: "mock", model: "mock-small" });
      expect(meta(last).ttft_ms).toBeLessThanOrEqual(meta(last).latency_ms);
    });

    it("streams without stream_options: no usage chunk, a clean end, x-llmgw on the last chunk", async () => {
      const chunks = await collect(await openai.chat.completions.create(streamed({ messages: HELLO })));
      expect(chunks.some((c) => c.usage)).toBe(false);
      expect(textOf(chunks).split(" ")).toHaveLength(16);
      const last = chunks.at(-1) as Chunk;
      expect(last.choices[0]?.finish_reason).toBe("stop");
      expect(meta(last)).toMatchObject({ provider: "mock", model: "mock-small" });
      expect(chunks.slice(0, -1).every((c) => meta(c) === undefined)).toBe(true);
    });
  });

  describe("tools", () => {
    it("returns a tool call with parseable arguments, then answers from the tool result", async () => {
      const first = await openai.chat.completions.create(
        chat({ messages: TOOL_PROMPT, tools: [WEATHER_TOOL] }),
      );
      const choice = first.choices[0];
      expect(choice?.finish_reason).toBe("tool_calls");
      expect(choice?.message.content).toBeNull();
      const call = choice?.message.tool_calls?.[0] as OpenAI.Chat.ChatCompletionMessageFunctionToolCall;
      expect(call.type).toBe("function");
      expect(call.id).toBeTruthy();
      expect(call.function.name).toBe("get_weather");
      expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });

      const second = await openai.chat.completions.create(
        chat({
          messages: [
            ...TOOL_PROMPT,
            { role: "assistant", content: null, tool_calls: [call] },
            { role: "tool", tool_call_id: call.id, content: "sunny, 21C" },
          ],
          tools: [WEATHER_TOOL],
        }),
      );
      expect(second.choices[0]?.finish_reason).toBe("stop");
      expect(second.choices[0]?.message.content).toBe("The tool said: sunny, 21C");

      // The upstream saw the assistant's tool call and the tool result, unchanged.
      const upstream = lastUpstream(gw).body as { messages: Array<Record<string, unknown>> };
      expect(upstream.messages[1]).toMatchObject({
        role: "assistant",
        tool_calls: [{ id: call.id, type: "function", function: { name: "get_weather" } }],
      });
      expect(upstream.messages[2]).toMatchObject({
        role: "tool",
        tool_call_id: call.id,
        content: "sunny, 21C",
      });
    });

    it("streams a tool call in fragments that assemble into the arguments, then answers", async () => {
      const chunks = await collect(
        await openai.chat.completions.create(streamed({ messages: TOOL_PROMPT, tools: [WEATHER_TOOL] })),
      );
      const calls = new Map<number, { id: string; name: string; arguments: string }>();
      let fragments = 0;
      for (const chunk of chunks) {
        for (const fragment of chunk.choices[0]?.delta.tool_calls ?? []) {
          fragments++;
          const call = calls.get(fragment.index) ?? { id: "", name: "", arguments: "" };
          if (fragment.id) call.id = fragment.id;
          if (fragment.function?.name) call.name = fragment.function.name;
          call.arguments += fragment.function?.arguments ?? "";
          calls.set(fragment.index, call);
        }
      }
      expect(fragments).toBeGreaterThan(2);
      expect(calls.size).toBe(1);
      const call = calls.get(0) as { id: string; name: string; arguments: string };
      expect(call.id).toBeTruthy();
      expect(call.name).toBe("get_weather");
      expect(JSON.parse(call.arguments)).toEqual({ city: "Paris" });
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");

      const answer = await collect(
        await openai.chat.completions.create(
          streamed({
            messages: [
              ...TOOL_PROMPT,
              {
                role: "assistant",
                content: null,
                tool_calls: [
                  { id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } },
                ],
              },
              { role: "tool", tool_call_id: call.id, content: "rainy" },
            ],
            tools: [WEATHER_TOOL],
          }),
        ),
      );
      expect(textOf(answer)).toBe("The tool said: rainy");
      expect(answer.at(-1)?.choices[0]?.finish_reason).toBe("stop");
    });
  });

  describe("models and routing", () => {
    it("lists configured, discovered and alias models", async () => {
      const ids: string[] = [];
      for await (const model of openai.models.list()) ids.push(model.id);
      expect(ids).toEqual(expect.arrayContaining(["mock:mock-small", "mock:mock-large", "fast"]));
      const sources = new Map<string, string>();
      for await (const model of openai.models.list()) {
        expect(model.object).toBe("model");
        sources.set(model.id, (model as unknown as { "x-llmgw": { source: string } })["x-llmgw"].source);
      }
      expect(sources.get("mock:mock-small")).toBe("config");
      expect(sources.get("mock:mock-large")).toBe("discovered");
      expect(sources.get("fast")).toBe("alias");
    });

    it("retrieves one model by id, and 404s an unknown one", async () => {
      const model = await openai.models.retrieve("mock:mock-large");
      expect(model).toMatchObject({ id: "mock:mock-large", object: "model", owned_by: "mock" });
      const error = await openai.models.retrieve("mock:nope").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).param).toBe("model");
    });

    it("routes a configured alias to its target", async () => {
      const completion = await openai.chat.completions.create(chat({ model: "fast", messages: HELLO }));
      expect(meta(completion)).toMatchObject({ provider: "mock", model: "mock-small" });
      expect((lastUpstream(gw).body as { model: string }).model).toBe("mock-small");
    });

    it("routes provider:model explicitly, to a discovered model", async () => {
      const completion = await openai.chat.completions.create(
        chat({ model: "mock:mock-large", messages: HELLO }),
      );
      expect(meta(completion)).toMatchObject({ provider: "mock", model: "mock-large" });
      expect(completion.model).toBe("mock-large");
      expect((lastUpstream(gw).body as { model: string }).model).toBe("mock-large");
    });
  });

  describe("upstream usage modes", () => {
    it("takes usage from the finish chunk (usage:finish), exactly", async () => {
      const chunks = await collect(
        await openai.chat.completions.create(
          streamed({ messages: HELLO, stream_options: { include_usage: true } }, { usage: "finish" }),
        ),
      );
      const usage = chunks.at(-1)?.usage as GatewayUsage;
      expect(usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 });
      expect(usage.estimated).toBeUndefined();
    });

    it("estimates usage when the upstream sends none (usage:none), streaming and not", async () => {
      const chunks = await collect(
        await openai.chat.completions.create(
          streamed({ messages: HELLO, stream_options: { include_usage: true } }, { usage: "none" }),
        ),
      );
      const usage = chunks.at(-1)?.usage as GatewayUsage;
      expect(usage.estimated).toBe(true);
      expect(usage.prompt_tokens).toBeGreaterThan(0);
      expect(usage.completion_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

      const completion = await openai.chat.completions.create(chat({ messages: HELLO }, { usage: "none" }));
      const whole = completion.usage as GatewayUsage;
      expect(whole.estimated).toBe(true);
      expect(whole.completion_tokens).toBeGreaterThan(0);
      expect(whole.total_tokens).toBe(whole.prompt_tokens + whole.completion_tokens);
    });

    it("completes a stream whose upstream never sends [DONE] (done:false)", async () => {
      const chunks = await collect(
        await openai.chat.completions.create(
          streamed({ messages: HELLO, stream_options: { include_usage: true } }, { done: false }),
        ),
      );
      expect(textOf(chunks).split(" ")).toHaveLength(16);
      expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
      expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 16 });
    });

    it("passes the mock controls through to the upstream unchanged", async () => {
      await openai.chat.completions.create(chat({ messages: HELLO }, { tokens: 3 }));
      expect((lastUpstream(gw).body as { mock: unknown }).mock).toEqual({ tokens: 3 });
    });
  });

  describe("request ids", () => {
    it("echoes a caller's x-request-id, and sends it upstream", async () => {
      const { data, response } = await openai.chat.completions
        .create(chat({ messages: HELLO }), { headers: { "x-request-id": "req-abc.123" } })
        .withResponse();
      expect(response.headers.get("x-request-id")).toBe("req-abc.123");
      expect(meta(data).request_id).toBe("req-abc.123");
      expect(lastUpstream(gw).headers["x-request-id"]).toBe("req-abc.123");
    });

    it("replaces a request id that is unsafe to log", async () => {
      const { response } = await openai.chat.completions
        .create(chat({ messages: HELLO }), { headers: { "x-request-id": "bad id; rm -rf" } })
        .withResponse();
      const id = response.headers.get("x-request-id");
      expect(id).not.toBe("bad id; rm -rf");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("generates a request id when the caller sends none", async () => {
      const { data, response } = await openai.chat.completions
        .create(chat({ messages: HELLO }))
        .withResponse();
      const id = response.headers.get("x-request-id");
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(meta(data).request_id).toBe(id);
      const again = await openai.chat.completions.create(chat({ messages: HELLO })).withResponse();
      expect(again.response.headers.get("x-request-id")).not.toBe(id);
    });
  });
});

describe("OpenAI SDK against a gateway with API keys", () => {
  const key = "sk-test-aaaaaaaa";
  let gw: TestGateway;

  useTestGateway({ config: { keys: [{ name: "team-a", key }] } }, (started) => {
    gw = started;
  });

  it("accepts the right key as a Bearer token", async () => {
    const completion = await openaiClient(gw, key).chat.completions.create(chat({ messages: HELLO }));
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const models = await openaiClient(gw, key).models.list();
    expect(models.data.map((m) => m.id)).toContain("mock:mock-small");
  });

  it("accepts the right key in x-api-key", async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ model: "mock-small", messages: HELLO }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as OpenAI.Chat.ChatCompletion;
    expect(body.choices[0]?.finish_reason).toBe("stop");
  });

  it("rejects a wrong key with AuthenticationError and OpenAI's error shape", async () => {
    const error = await openaiClient(gw, "sk-test-wrongkey")
      .chat.completions.create(chat({ messages: HELLO }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    const auth = error as AuthenticationError;
    expect(auth.status).toBe(401);
    expect(auth.type).toBe("authentication_error");
    expect(auth.code).toBe("unauthenticated");
    expect(auth.error).toEqual({
      message: "invalid API key",
      type: "authentication_error",
      param: null,
      code: "unauthenticated",
    });
  });

  it("rejects a missing key with AuthenticationError", async () => {
    // `null` removes the SDK's Authorization header: the request carries no key at all.
    const anonymous = openaiClient(gw, "unused", { defaultHeaders: { authorization: null } });
    const error = await anonymous.chat.completions.create(chat({ messages: HELLO })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    expect((error as AuthenticationError).message).toMatch(/missing API key/);

    const models = await anonymous.models.list().catch((e: unknown) => e);
    expect(models).toBeInstanceOf(AuthenticationError);
  });

  it("reports the requests made in /v1/usage, by key name, provider and model", async () => {
    const openai = openaiClient(gw, key);
    const before = await usageRows(gw, key);
    const a = await openai.chat.completions.create(chat({ messages: HELLO }));
    const b = await collect(
      await openai.chat.completions.create(
        streamed({ model: "mock:mock-large", messages: HELLO, stream_options: { include_usage: true } }),
      ),
    );
    const after = await usageRows(gw, key);

    const small = delta(before, after, "mock-small");
    expect(small.requests).toBe(1);
    expect(small.prompt_tokens).toBe(a.usage?.prompt_tokens);
    expect(small.completion_tokens).toBe(a.usage?.completion_tokens);
    const large = delta(before, after, "mock-large");
    expect(large.requests).toBe(1);
    expect(large.prompt_tokens).toBe(b.at(-1)?.usage?.prompt_tokens);
    expect(large.completion_tokens).toBe(b.at(-1)?.usage?.completion_tokens);
    for (const row of after) expect(row).toMatchObject({ key: "team-a", provider: "mock" });

    const anonymous = await fetch(`${gw.url}/v1/usage`);
    expect(anonymous.status).toBe(401);
  });
});

interface UsageRow {
  key: string;
  provider: string;
  model: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
}

async function usageRows(gw: TestGateway, key: string): Promise<UsageRow[]> {
  const end = Math.ceil(Date.now() / 1000) + 60;
  const res = await fetch(`${gw.url}/v1/usage?end=${end}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { object: string; data: UsageRow[] };
  expect(body.object).toBe("list");
  return body.data;
}

/** What one model's totals grew by between two /v1/usage reads (summed over days). */
function delta(before: UsageRow[], after: UsageRow[], model: string) {
  const sum = (rows: UsageRow[]) =>
    rows
      .filter((r) => r.model === model)
      .reduce(
        (t, r) => ({
          requests: t.requests + r.requests,
          prompt_tokens: t.prompt_tokens + r.prompt_tokens,
          completion_tokens: t.completion_tokens + r.completion_tokens,
        }),
        { requests: 0, prompt_tokens: 0, completion_tokens: 0 },
      );
  const a = sum(before);
  const b = sum(after);
  return {
    requests: b.requests - a.requests,
    prompt_tokens: b.prompt_tokens - a.prompt_tokens,
    completion_tokens: b.completion_tokens - a.completion_tokens,
  };
}
