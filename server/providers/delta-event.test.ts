import { create, equals, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { StreamResponseSchema } from "../../gen/llmgw/v1/chat_pb.js";
import { deltaEvent } from "./delta-event.ts";

describe("a delta event built as a literal", () => {
  it("is the message create() makes, field for field and on the wire", () => {
    const literal = deltaEvent("c1", 2, "text", "thought", "no");
    const made = create(StreamResponseSchema, {
      id: "c1",
      choiceIndex: 2,
      event: { case: "delta", value: { text: "text", reasoning: "thought", refusal: "no" } },
    });
    expect(literal).toStrictEqual(made);
    expect(equals(StreamResponseSchema, literal, made)).toBe(true);
    expect(toBinary(StreamResponseSchema, literal)).toEqual(toBinary(StreamResponseSchema, made));
  });

  it("keeps empty fields at their defaults", () => {
    const made = create(StreamResponseSchema, { event: { case: "delta", value: {} } });
    expect(deltaEvent("", 0, "", "", "")).toStrictEqual(made);
  });
});
