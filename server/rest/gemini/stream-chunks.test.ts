import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FinishReason, StreamResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { GeminiChunkRenderer } from "./stream-chunks.ts";

type Event = Parameters<typeof create<typeof StreamResponseSchema>>[1];
const event = (init: Event) => create(StreamResponseSchema, { id: "resp-1", ...init });

describe("the Gemini chunk renderer", () => {
  it("renders text and thinking deltas as the exact JSON of Gemini chunks", () => {
    const renderer = new GeminiChunkRenderer('m "q"', "req");
    const [thought, text] = renderer.render(
      event({ event: { case: "delta", value: { reasoning: "hmm", text: 'a "b"\n' } } }),
    );
    expect(JSON.parse(thought as string)).toEqual({
      candidates: [{ content: { role: "model", parts: [{ text: "hmm", thought: true }] }, index: 0 }],
      modelVersion: 'm "q"',
      responseId: "resp-1",
    });
    expect(JSON.parse(text as string).candidates[0].content.parts).toEqual([{ text: 'a "b"\n' }]);
  });

  it("gathers tool-call fragments and sends each call whole with the finish and usage", () => {
    const renderer = new GeminiChunkRenderer("m", "req");
    const parts = [
      { index: 0, id: "c1", name: "get_weather", arguments: '{"ci' },
      { index: 0, arguments: 'ty":"Paris"}' },
      { index: 1, id: "c2", name: "bad", arguments: "{nope" },
    ];
    for (const value of parts)
      expect(renderer.render(event({ event: { case: "toolCall", value } }))).toEqual([]);
    expect(
      renderer.render(event({ event: { case: "finish", value: { reason: FinishReason.TOOL_CALLS } } })),
    ).toEqual([]);
    const [last] = renderer.render(
      event({
        event: {
          case: "usage",
          value: { usage: { promptTokens: 10, completionTokens: 7, totalTokens: 17, reasoningTokens: 2 } },
        },
      }),
    );
    const chunk = JSON.parse(last as string);
    expect(chunk.candidates).toEqual([
      {
        content: {
          role: "model",
          parts: [{ functionCall: { id: "c1", name: "get_weather", args: { city: "Paris" } } }],
        },
        // The second call's arguments are not a JSON object: Gemini's own answer for that.
        finishReason: "MALFORMED_FUNCTION_CALL",
        index: 0,
      },
    ]);
    expect(chunk.usageMetadata).toEqual({
      promptTokenCount: 10,
      candidatesTokenCount: 5,
      thoughtsTokenCount: 2,
      totalTokenCount: 17,
    });
  });
});
