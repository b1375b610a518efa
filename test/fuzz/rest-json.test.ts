import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../harness/start-gateway.ts";
import { fuzzParameters, fuzzTimeoutMs, MEMORY_BOUND_BYTES, memoryInUse } from "./fuzz-settings.ts";
import { type Format, isErrorBody, streamEnded } from "./surface-formats.ts";

/**
 * Malformed and adversarial JSON for every REST surface. Invariants: the
 * process never crashes, every request gets an answer or an error in its
 * surface's format (never a 500), every stream ends with a final or an error
 * event, and memory stays bounded.
 */

const KEY = "sk-fuzz-rest-key-1";
let gw: TestGateway;
let memoryBefore = 0;
beforeAll(async () => {
  gw = await startTestGateway({
    config: { keys: [{ name: "app", key: KEY }], server: { body_timeout_ms: 2_000 } },
  });
  memoryBefore = memoryInUse();
});
afterAll(async () => {
  expect(memoryInUse() - memoryBefore).toBeLessThan(MEMORY_BOUND_BYTES);
  await gw?.close();
});

/** Anything JSON can hold, including the nasty corners: deep nesting, big numbers, odd strings. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(1e308, -0, 2 ** 53 + 1, -1, 0, 1.5, "", " ", "\u0000", "\ud800", "mock:mock-small", "user"),
  fc.integer({ min: 1, max: 200 }).map((depth) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`)),
);

const role = fc.oneof(fc.constantFrom("user", "assistant", "system", "developer", "tool", "model"), anyValue);
const part = fc.oneof(
  fc.record(
    { type: fc.constantFrom("text", "image_url", "tool_use", "tool_result", "input_text"), text: anyValue },
    { requiredKeys: [] },
  ),
  anyValue,
);
const content = fc.oneof(fc.string({ maxLength: 30 }), fc.array(part, { maxLength: 3 }), anyValue);
const message = fc.oneof(
  fc.record(
    { role, content, name: anyValue, tool_calls: anyValue, tool_call_id: anyValue },
    { requiredKeys: ["role"] },
  ),
  anyValue,
);
const messages = fc.oneof(fc.array(message, { maxLength: 4 }), anyValue);
const model = fc.oneof(fc.constant("mock:mock-small"), fc.constant("mock-small"), anyValue);
const stream = fc.oneof(fc.boolean(), anyValue);

/** A body built from the surface's own field names, each holding any value. */
function fields(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.record(shape, { requiredKeys: [] });
}

interface Surface {
  readonly path: string;
  readonly format: Format;
  readonly body: fc.Arbitrary<unknown>;
}

const SURFACES: Surface[] = [
  {
    path: "/v1/chat/completions",
    format: "openai",
    body: fields({
      model,
      messages,
      stream,
      max_tokens: anyValue,
      temperature: anyValue,
      tools: anyValue,
      tool_choice: anyValue,
      response_format: anyValue,
      n: anyValue,
      stop: anyValue,
      stream_options: anyValue,
    }),
  },
  {
    path: "/v1/completions",
    format: "openai",
    body: fields({ model, prompt: content, stream, max_tokens: anyValue, echo: anyValue, suffix: anyValue }),
  },
  {
    path: "/v1/embeddings",
    format: "openai",
    body: fields({ model, input: content, encoding_format: anyValue, dimensions: anyValue }),
  },
  {
    path: "/v1/responses",
    format: "responses",
    body: fields({
      model,
      input: fc.oneof(content, messages),
      instructions: anyValue,
      stream,
      tools: anyValue,
      store: anyValue,
      previous_response_id: anyValue,
      max_output_tokens: anyValue,
    }),
  },
  {
    path: "/v1/messages",
    format: "anthropic",
    body: fields({
      model,
      messages,
      max_tokens: fc.oneof(fc.integer({ min: 1, max: 20 }), anyValue),
      system: content,
      stream,
      tools: anyValue,
      tool_choice: anyValue,
      thinking: anyValue,
      stop_sequences: anyValue,
    }),
  },
  {
    path: "/v1/messages/count_tokens",
    format: "anthropic",
    body: fields({ model, messages, system: content, tools: anyValue }),
  },
  {
    path: "/v1beta/models/mock-small:generateContent",
    format: "gemini",
    body: fields({
      contents: fc.oneof(fc.array(fields({ role, parts: fc.array(fields({ text: anyValue })) })), anyValue),
      systemInstruction: anyValue,
      generationConfig: anyValue,
      tools: anyValue,
    }),
  },
  {
    path: "/v1beta/models/mock-small:streamGenerateContent?alt=sse",
    format: "gemini",
    body: fields({
      contents: fc.oneof(fc.array(fields({ role, parts: fc.array(fields({ text: anyValue })) })), anyValue),
      generationConfig: anyValue,
    }),
  },
  {
    path: "/v1beta/models/mock-small:embedContent",
    format: "gemini",
    body: fields({ content: anyValue, taskType: anyValue }),
  },
  {
    path: "/api/chat",
    format: "ollama",
    body: fields({ model, messages, stream, options: anyValue, format: anyValue, tools: anyValue }),
  },
  {
    path: "/api/generate",
    format: "ollama",
    body: fields({ model, prompt: content, stream, options: anyValue, system: anyValue }),
  },
  { path: "/api/embed", format: "ollama", body: fields({ model, input: content }) },
  { path: "/api/show", format: "ollama", body: fields({ model }) },
];

/** Raw bytes a body may be: JSON of the surface's shape, truncated JSON, any JSON, text, invalid UTF-8. */
function bodies(shape: fc.Arbitrary<unknown>): fc.Arbitrary<Uint8Array> {
  const text = (s: string) => new TextEncoder().encode(s);
  return fc.oneof(
    { weight: 4, arbitrary: shape.map((v) => text(JSON.stringify(v) ?? "null")) },
    {
      weight: 2,
      arbitrary: fc.tuple(shape, fc.double({ min: 0, max: 1, noNaN: true })).map(([v, cut]) => {
        const json = JSON.stringify(v) ?? "null";
        return text(json.slice(0, Math.floor(json.length * cut)));
      }),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => text(JSON.stringify(v))) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }).map(text) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  );
}

describe.each(SURFACES)("fuzzing $path", ({ path, format, body }) => {
  it(
    "answers every body with a result or an error in the surface's format, and ends every stream",
    async () => {
      await fc.assert(
        fc.asyncProperty(bodies(body), async (bytes) => {
          const res = await fetch(`${gw.url}${path}`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${KEY}`,
              "content-type": "application/json",
              "anthropic-version": "2023-06-01",
            },
            body: Buffer.from(bytes),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          expect(res.status, text).not.toBe(500);
          const type = res.headers.get("content-type") ?? "";
          if (res.status >= 400) expect(isErrorBody(format, text), text).toBe(true);
          else if (type.includes("event-stream") || type.includes("ndjson"))
            expect(streamEnded(format, text), text).toBe(true);
          else expect(() => JSON.parse(text), text).not.toThrow();
        }),
        fuzzParameters(25),
      );
    },
    fuzzTimeoutMs(),
  );
});
