import { describe, expect, it } from "vitest";
import { UsageTap } from "./usage-tap.ts";

/** Feeds `text` in pieces of `size` bytes, so every split point is exercised. */
function tapped(api: "anthropic" | "openai" | "gemini", text: string, size: number): UsageTap {
  const tap = new UsageTap(api);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) tap.feed(bytes.subarray(i, i + size));
  return tap;
}

const ANTHROPIC_SSE = [
  "event: message_start",
  'data: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":25,"cache_read_input_tokens":5,"cache_creation":{"ephemeral_5m_input_tokens":0},"output_tokens":1}}}',
  "",
  "event: content_block_delta",
  'data: {"type":"content_block_delta","delta":{"type":"text_delta","text":"say \\"usage\\": {\\"output_tokens\\": 999}"}}',
  "",
  "event: message_delta",
  'data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":12}}',
  "",
].join("\n");

describe("UsageTap", () => {
  it.each([1, 2, 3, 7, 64, 10_000])(
    "merges Anthropic's start and delta usage, split every %i bytes",
    (size) => {
      const usage = tapped("anthropic", ANTHROPIC_SSE, size).usage;
      expect(usage).toMatchObject({ promptTokens: 30, completionTokens: 12, cachedPromptTokens: 5 });
    },
  );

  it("reads OpenAI's final usage chunk and skips the null ones", () => {
    const sse = [
      'data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}',
      'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}',
      "data: [DONE]",
    ].join("\n\n");
    expect(tapped("openai", sse, 5).usage).toMatchObject({
      promptTokens: 9,
      completionTokens: 4,
      totalTokens: 13,
    });
  });

  it("reads the Responses API's input and output counts", () => {
    const json =
      '{"type":"response.completed","response":{"usage":{"input_tokens":7,"input_tokens_details":{"cached_tokens":2},"output_tokens":3,"output_tokens_details":{"reasoning_tokens":1},"total_tokens":10}}}';
    expect(tapped("openai", json, 4).usage).toMatchObject({
      promptTokens: 7,
      completionTokens: 3,
      cachedPromptTokens: 2,
      reasoningTokens: 1,
    });
  });

  it("keeps the last of Gemini's usageMetadata", () => {
    const sse = [
      'data: {"candidates":[],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1}}',
      'data: {"candidates":[],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":6,"thoughtsTokenCount":2}}',
    ].join("\n\n");
    expect(tapped("gemini", sse, 3).usage).toMatchObject({
      promptTokens: 4,
      completionTokens: 8,
      reasoningTokens: 2,
    });
  });

  it("finds nothing in an answer without usage, or with an unreadable one", () => {
    expect(tapped("anthropic", '{"input_tokens":12}', 2).usage).toBeUndefined();
    expect(tapped("openai", '{"usage": "many"}', 2).usage).toBeUndefined();
  });

  it("gives up on a usage object past its size cap, and finds the next one", () => {
    const huge = `{"usage":{"junk":"${"x".repeat(20_000)}"}}\n{"usage":{"prompt_tokens":1,"completion_tokens":2}}`;
    expect(tapped("openai", huge, 1000).usage).toMatchObject({ promptTokens: 1, completionTokens: 2 });
  });
});
