import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  CompleteResponseSchema,
  FinishReason,
  Role,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { renderTextCompletion, TextChunkRenderer } from "./render-text-completion.ts";

type Event = MessageInitShape<typeof StreamResponseSchema>["event"];
const ev = (event: Event): StreamResponse => create(StreamResponseSchema, { event });
const usage = ev({
  case: "usage",
  value: { usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 }, gateway: { requestId: "r" } },
});

describe("legacy text completions", () => {
  it("renders a whole answer as text_completion with the choice's text", () => {
    const response = create(CompleteResponseSchema, {
      model: "up",
      created: 10n,
      choices: [
        {
          message: {
            role: Role.ASSISTANT,
            content: [{ part: { case: "text", value: "hi there" } }],
            reasoning: "r",
          },
          finishReason: FinishReason.LENGTH,
        },
      ],
      usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
    });
    expect(JSON.parse(renderTextCompletion(response, "m", "req"))).toMatchObject({
      id: "cmpl-req",
      object: "text_completion",
      created: 10,
      model: "up",
      choices: [{ text: "hi there", index: 0, logprobs: null, finish_reason: "length" }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it("streams text chunks, then the finish chunk and, when asked, a usage chunk", () => {
    const renderer = new TextChunkRenderer("m", true, "req");
    const [chunk] = renderer.render(ev({ case: "delta", value: { text: 'say "hi"' } }));
    const parsed = JSON.parse(chunk as string);
    expect(chunk).toBe(
      JSON.stringify({
        id: "cmpl-req",
        object: "text_completion",
        created: parsed.created,
        model: "m",
        choices: [{ text: 'say "hi"', index: 0, logprobs: null, finish_reason: null }],
      }),
    );
    expect(renderer.render(ev({ case: "delta", value: { reasoning: "hidden" } }))).toEqual([]);
    expect(renderer.render(ev({ case: "finish", value: { reason: FinishReason.STOP } }))).toEqual([]);
    const [finish, last] = renderer.render(usage).map((p) => JSON.parse(p));
    expect(finish.choices).toEqual([{ text: "", index: 0, logprobs: null, finish_reason: "stop" }]);
    expect(last).toMatchObject({ choices: [], usage: { total_tokens: 5 }, "x-llmgw": { request_id: "r" } });
  });

  it("puts the gateway metadata on the finish chunk when no usage chunk was asked for", () => {
    const renderer = new TextChunkRenderer("m", false, "req");
    renderer.render(ev({ case: "finish", value: { reason: FinishReason.STOP } }));
    const chunks = renderer.render(usage).map((p) => JSON.parse(p));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]["x-llmgw"].request_id).toBe("r");
  });
});
