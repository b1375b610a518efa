import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ContentDeltaSchema, StreamResponseSchema } from "../../gen/llmgw/v1/chat_pb.js";
import { textDeltaFrame } from "./text-delta-frame.ts";

/** The frame the codec path writes: five header bytes, then toBinary. */
function codecFrame(event: ReturnType<typeof create<typeof StreamResponseSchema>>): Buffer {
  const message = toBinary(StreamResponseSchema, event);
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

const delta = (id: string, choiceIndex: number, text: string) =>
  create(StreamResponseSchema, {
    id,
    choiceIndex,
    event: { case: "delta", value: create(ContentDeltaSchema, { text }) },
  });

describe("textDeltaFrame", () => {
  it("writes the codec's bytes for text deltas of every shape", () => {
    const texts = [
      "",
      "lorem ",
      "é",
      "日本語のテキスト",
      "emoji 🎉",
      "lone \ud800 surrogate",
      "x".repeat(127),
    ];
    texts.push("y".repeat(128), "z".repeat(20_000), "\u0000nul", "\ud83d");
    const ids = ["", "chatcmpl-mock000001", "ü".repeat(70)];
    for (const text of texts) {
      for (const id of ids) {
        for (const choiceIndex of [0, 1, 127, 128, 300_000, 2 ** 32 - 1]) {
          const event = delta(id, choiceIndex, text);
          expect(textDeltaFrame(event), JSON.stringify({ id, choiceIndex, text })).toEqual(codecFrame(event));
        }
      }
    }
  });

  it("leaves every other event to the codec", () => {
    const withReasoning = delta("id", 0, "a");
    if (withReasoning.event.case === "delta") withReasoning.event.value.reasoning = "thinking";
    const finish = create(StreamResponseSchema, { id: "id", event: { case: "finish", value: {} } });
    const unknown = delta("id", 0, "a");
    unknown.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
    for (const event of [withReasoning, finish, unknown, create(StreamResponseSchema)]) {
      expect(textDeltaFrame(event)).toBeUndefined();
    }
  });

  it("knows every field of the two messages it writes (a new field must be added here too)", () => {
    expect(StreamResponseSchema.fields.map((f) => f.name)).toEqual([
      "id",
      "choice_index",
      "delta",
      "tool_call",
      "finish",
      "usage",
    ]);
    expect(ContentDeltaSchema.fields.map((f) => f.name)).toEqual([
      "text",
      "reasoning",
      "refusal",
      "reasoning_signature",
      "redacted_reasoning",
    ]);
  });
});
