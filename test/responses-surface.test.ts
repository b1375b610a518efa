import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import type OpenAI from "openai";
import { APIError, AuthenticationError, NotFoundError } from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { type Json, lastUpstream, openaiClient } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The Responses API surface with real clients: the Vercel AI SDK's default
 * `openai('model')` (which calls /v1/responses) and the `openai` SDK's
 * `client.responses`, against a real gateway in front of the mock upstream
 * speaking chat completions.
 */

const KEYS = [
  { name: "ana", key: "sk-ana-0123456789" },
  { name: "bo", key: "sk-bo-0123456789" },
];

const WEATHER = tool({
  description: "Weather for a city",
  inputSchema: jsonSchema<{ city: string }>({
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
    additionalProperties: false,
  }),
  execute: async ({ city }) => ({ city, forecast: "sunny, 21°C" }),
});

describe("the Responses API surface", () => {
  let gw: TestGateway;
  let client: OpenAI;
  let bo: OpenAI;
  let provider: ReturnType<typeof createOpenAI>;

  useTestGateway({ config: { keys: KEYS } }, (started) => {
    gw = started;
    client = openaiClient(gw, "sk-ana-0123456789");
    bo = openaiClient(gw, "sk-bo-0123456789");
    provider = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: "sk-ana-0123456789" });
  });
  beforeEach(() => {
    gw.mock.reset();
  });

  describe("the AI SDK's default openai('model')", () => {
    it("generateText calls /v1/responses and gets the text and usage", async () => {
      const result = await generateText({
        model: provider("mock-small"),
        prompt: "Hello there, mock upstream!",
      });
      expect(gw.mock.requests.at(-1)?.path).toBe("/v1/chat/completions");
      expect(result.text.startsWith("lorem ipsum dolor")).toBe(true);
      expect(result.text.split(" ")).toHaveLength(16);
      expect(result.finishReason).toBe("stop");
      expect(result.usage.inputTokens).toBe(4);
      expect(result.usage.outputTokens).toBe(16);
      expect(result.response.id).toMatch(/^resp_/);
    });

    it("streamText streams the same text, and finishes with usage", async () => {
      const whole = await generateText({
        model: provider("mock-small"),
        prompt: "Hello there, mock upstream!",
      });
      const result = streamText({ model: provider("mock-small"), prompt: "Hello there, mock upstream!" });
      const deltas: string[] = [];
      for await (const delta of result.textStream) deltas.push(delta);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join("")).toBe(whole.text);
      expect(await result.finishReason).toBe("stop");
      expect((await result.usage).outputTokens).toBe(16);
    });

    it("runs a tool-calling loop: the call, the tool's result, and the answer quoting it", async () => {
      const result = await generateText({
        model: provider("mock-small"),
        prompt: "What is the weather in Paris? [[call_tool]]",
        tools: { get_weather: WEATHER },
        stopWhen: stepCountIs(3),
      });
      expect(result.steps).toHaveLength(2);
      const call = result.steps[0]?.toolCalls[0];
      expect(call?.toolName).toBe("get_weather");
      expect(call?.input).toEqual({ city: "Paris" });
      expect(result.steps[0]?.toolResults[0]?.output).toEqual({ city: "Paris", forecast: "sunny, 21°C" });
      // The second step sent the call and its output back; the upstream saw them as chat messages.
      const messages = lastUpstream(gw).body.messages as Json[];
      expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
      expect(messages[1]?.tool_calls?.[0]?.function?.name).toBe("get_weather");
      expect(messages[2]?.tool_call_id).toBe(call?.toolCallId);
      expect(result.finishReason).toBe("stop");
      expect(result.text).toContain("sunny");
    });

    it("streams a tool call with its arguments in pieces", async () => {
      const result = streamText({
        model: provider("mock-small"),
        prompt: "What is the weather in Paris? [[call_tool]]",
        tools: { get_weather: WEATHER },
      });
      const parts: string[] = [];
      for await (const part of result.fullStream) parts.push(part.type);
      expect(parts.filter((p) => p === "tool-input-delta").length).toBeGreaterThan(1);
      const calls = await result.toolCalls;
      expect(calls[0]?.input).toEqual({ city: "Paris" });
      expect(await result.finishReason).toBe("tool-calls");
    });

    it("continues a conversation with providerOptions.openai.previousResponseId", async () => {
      const first = await generateText({
        model: provider("mock-small"),
        prompt: "Remember: the word is heron.",
      });
      await generateText({
        model: provider("mock-small"),
        prompt: "What was the word?",
        providerOptions: { openai: { previousResponseId: first.response.id } },
      });
      const messages = lastUpstream(gw).body.messages as Json[];
      expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
      expect(messages[0]?.content).toBe("Remember: the word is heron.");
      expect(messages[1]?.content).toBe(first.text);
      expect(messages[2]?.content).toBe("What was the word?");
    });

    it("sends an earlier answer back as an item_reference, which the gateway finds in the store", async () => {
      const bodies: Json[] = [];
      const watched = createOpenAI({
        baseURL: `${gw.url}/v1`,
        apiKey: "sk-ana-0123456789",
        fetch: (url, init) => {
          bodies.push(JSON.parse(String(init?.body)) as Json);
          return fetch(url, init);
        },
      });
      const first = await generateText({
        model: watched("mock-small"),
        prompt: "Remember: the word is heron.",
      });
      await generateText({
        model: watched("mock-small"),
        messages: [
          { role: "user", content: "Remember: the word is heron." },
          ...first.response.messages,
          { role: "user", content: "What was the word?" },
        ],
      });
      expect(bodies[1]?.input[1]).toEqual({
        type: "item_reference",
        id: expect.stringMatching(/^msg_/),
      });
      const sent = lastUpstream(gw).body.messages as Json[];
      expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
      expect(sent[1]?.content).toBe(first.text);
    });
  });

  describe("the openai SDK's client.responses", () => {
    it("creates, retrieves and deletes a stored response, continuing it in between", async () => {
      const first = await client.responses.create({
        model: "mock-small",
        instructions: "Be brief.",
        input: "Hello there, mock upstream!",
        max_output_tokens: 64,
        metadata: { run: "1" },
      });
      expect(first.object).toBe("response");
      expect(first.status).toBe("completed");
      expect(first.id).toMatch(/^resp_/);
      expect(first.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
      expect(first.output[0]?.id).toMatch(/^msg_/);
      expect(first.output_text.startsWith("lorem ipsum")).toBe(true);
      expect(first.usage).toMatchObject({
        input_tokens: 6,
        output_tokens: 16,
        total_tokens: 22,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      });
      expect(first.instructions).toBe("Be brief.");
      expect(first.metadata).toEqual({ run: "1" });
      expect(lastUpstream(gw).body.messages[0]).toEqual({ role: "system", content: "Be brief." });

      const again = await client.responses.retrieve(first.id);
      expect(again.id).toBe(first.id);
      expect(again.output).toEqual(first.output);

      await client.responses.create({
        model: "mock-small",
        input: "And again?",
        previous_response_id: first.id,
      });
      // Instructions are not carried over to a continuation, as on OpenAI.
      expect((lastUpstream(gw).body.messages as Json[]).map((m) => m.role)).toEqual([
        "user",
        "assistant",
        "user",
      ]);

      const deleted = await client.responses.delete(first.id);
      expect(deleted).toEqual({ id: first.id, object: "response", deleted: true });
      await expect(client.responses.retrieve(first.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        client.responses.create({ model: "mock-small", input: "more", previous_response_id: first.id }),
      ).rejects.toMatchObject({ status: 404, param: "previous_response_id" });
    });

    it("streams the full event sequence with sequence numbers, ending in response.completed", async () => {
      const stream = await client.responses.create({
        model: "mock-small",
        input: "Hello there!",
        stream: true,
      });
      const events: Array<{ type: string; sequence_number: number }> = [];
      for await (const event of stream) events.push(event);
      const types = [...new Set(events.map((e) => e.type))];
      expect(types).toEqual([
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
      ]);
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
      expect(completed.response.usage?.output_tokens).toBe(16);
      const stored = await client.responses.retrieve(completed.response.id);
      expect(stored.output).toEqual(completed.response.output);
    });

    it("streams a function call's arguments, and takes its output back", async () => {
      const tools: OpenAI.Responses.Tool[] = [
        {
          type: "function",
          name: "get_weather",
          strict: false,
          parameters: { type: "object", properties: { city: { type: "string" } } },
        },
      ];
      const stream = await client.responses.create({
        model: "mock-small",
        input: "Weather in Paris? [[call_tool]]",
        tools,
        stream: true,
        store: false,
      });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const deltas = events.filter((e) => e.type === "response.function_call_arguments.delta");
      expect(deltas.length).toBeGreaterThan(1);
      const done = events.find((e) => e.type === "response.output_item.done");
      const item = done?.type === "response.output_item.done" ? done.item : undefined;
      expect(item).toMatchObject({
        type: "function_call",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
      });
      expect(item?.id).toMatch(/^fc_/);
      const callId = item?.type === "function_call" ? item.call_id : "";
      const answer = await client.responses.create({
        model: "mock-small",
        tools,
        input: [
          { role: "user", content: "Weather in Paris?" },
          { type: "function_call", call_id: callId, name: "get_weather", arguments: '{"city":"Paris"}' },
          { type: "function_call_output", call_id: callId, output: "sunny" },
        ],
      });
      expect(answer.output_text).toContain("sunny");
    });

    it("keeps a key's responses its own", async () => {
      const mine = await client.responses.create({ model: "mock-small", input: "secret" });
      await expect(bo.responses.retrieve(mine.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(bo.responses.delete(mine.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        bo.responses.create({ model: "mock-small", input: "x", previous_response_id: mine.id }),
      ).rejects.toMatchObject({ status: 404 });
      expect((await client.responses.retrieve(mine.id)).id).toBe(mine.id);
    });

    it("reports a response cut short by max_output_tokens as incomplete", async () => {
      const response = await client.responses.create({
        model: "mock-small",
        input: "Hello",
        max_output_tokens: 3,
      });
      expect(response.status).toBe("incomplete");
      expect(response.incomplete_details).toEqual({ reason: "max_output_tokens" });
      const stream = await client.responses.create({
        model: "mock-small",
        input: "Hello",
        max_output_tokens: 3,
        stream: true,
      });
      let last: OpenAI.Responses.ResponseStreamEvent | undefined;
      for await (const event of stream) last = event;
      expect(last?.type).toBe("response.incomplete");
    });

    it("sends reasoning effort, text.format and the sampling settings upstream in chat completions' names", async () => {
      await client.responses.create({
        model: "mock-small",
        input: "Give me JSON",
        reasoning: { effort: "low" },
        text: { format: { type: "json_schema", name: "answer", schema: { type: "object" }, strict: true } },
        temperature: 0.2,
        top_p: 0.5,
        user: "end-user-1",
        parallel_tool_calls: false,
        store: false,
      });
      expect(lastUpstream(gw).body).toMatchObject({
        reasoning_effort: "low",
        response_format: {
          type: "json_schema",
          json_schema: { name: "answer", schema: { type: "object" }, strict: true },
        },
        temperature: 0.2,
        top_p: 0.5,
        user: "end-user-1",
      });
    });

    it("refuses a built-in tool it cannot run, naming it", async () => {
      await expect(
        client.responses.create({ model: "mock-small", input: "news?", tools: [{ type: "web_search" }] }),
      ).rejects.toMatchObject({ status: 400, param: "tools[0].type", type: "invalid_request_error" });
      expect(gw.mock.requests).toHaveLength(0);
    });
  });

  describe("errors in OpenAI's shape", () => {
    const post = (body: string, key = "sk-ana-0123456789") =>
      fetch(`${gw.url}/v1/responses`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body,
      });

    it("malformed JSON, a missing model and a bad key", async () => {
      const malformed = await post("{not json");
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as Json).error.type).toBe("invalid_request_error");

      const noModel = await post(JSON.stringify({ input: "hi" }));
      expect(noModel.status).toBe(400);
      expect(((await noModel.json()) as Json).error).toMatchObject({ param: "model" });

      await expect(
        openaiClient(gw, "sk-wrong").responses.create({ model: "mock-small", input: "hi" }),
      ).rejects.toBeInstanceOf(AuthenticationError);
    });

    it("an upstream 429", async () => {
      gw.mock.setBehaviour({ status: 429, retryAfter: 7 });
      const error = await client.responses
        .create({ model: "mock-small", input: "hi" })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).status).toBe(429);
      expect((error as APIError).error).toMatchObject({ code: "upstream_rate_limited" });
    });

    it("a mid-stream upstream failure ends the stream with error and response.failed", async () => {
      gw.mock.setBehaviour({ dropAfter: 3 });
      const response = await post(JSON.stringify({ model: "mock-small", input: "hi", stream: true }));
      const text = await response.text();
      const names = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
      expect(names.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
      expect(names).toContain("response.output_text.delta");
      expect(names.slice(-2)).toEqual(["error", "response.failed"]);
      expect(names).not.toContain("response.completed");

      const result = streamText({ model: provider("mock-small"), prompt: "hi", onError: () => {} });
      const errors: unknown[] = [];
      for await (const part of result.fullStream) if (part.type === "error") errors.push(part.error);
      expect(errors.length).toBeGreaterThan(0);
    });
  });
});
