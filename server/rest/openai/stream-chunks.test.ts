import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { StreamResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { ChunkRenderer } from "./stream-chunks.ts";

const delta = (text: string, choiceIndex = 0, id = "chatcmpl-up") =>
  create(StreamResponseSchema, { id, choiceIndex, event: { case: "delta", value: { text } } });

describe("the OpenAI chunk renderer", () => {
  it("renders a plain text delta as the exact JSON of OpenAI's chunk object", () => {
    const renderer = new ChunkRenderer('model "quoted" \\ é', false, "req-1");
    const first = JSON.parse(renderer.render(delta("Hel"))[0] as string);
    expect(first.choices[0].delta).toEqual({ role: "assistant", content: "Hel" });
    for (const text of ["lo", ' "wor\nld"', "\u2028✓"]) {
      const [payload] = renderer.render(delta(text));
      const expected = {
        id: "chatcmpl-up",
        object: "chat.completion.chunk",
        created: first.created,
        model: 'model "quoted" \\ é',
        choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }],
      };
      expect(payload).toBe(JSON.stringify(expected));
    }
  });

  it("follows a change of id and keeps choices apart", () => {
    const renderer = new ChunkRenderer("m", false, "req-1");
    renderer.render(delta("a", 0, "one"));
    renderer.render(delta("b", 1, "one"));
    const [again] = renderer.render(delta("c", 1, "two"));
    expect(JSON.parse(again as string)).toMatchObject({
      id: "two",
      choices: [{ index: 1, delta: { content: "c" } }],
    });
  });
});
