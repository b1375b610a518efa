import { create, equals, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FinishReason, StreamResponseSchema } from "../../gen/llmgw/v1/chat_pb.js";
import { TokenUsageSchema } from "../../gen/llmgw/v1/usage_pb.js";
import { deltaEvent, finishEvent, usageEvent } from "./delta-event.ts";

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

describe("the finish and usage events built as literals", () => {
  const same = (literal: ReturnType<typeof deltaEvent>, made: ReturnType<typeof deltaEvent>) => {
    expect(literal).toStrictEqual(made);
    expect(equals(StreamResponseSchema, literal, made)).toBe(true);
    expect(toBinary(StreamResponseSchema, literal)).toEqual(toBinary(StreamResponseSchema, made));
  };

  it("are the messages create() makes: a finish with and without a stop sequence", () => {
    same(
      finishEvent("c1", 0, FinishReason.STOP),
      create(StreamResponseSchema, {
        id: "c1",
        event: { case: "finish", value: { reason: FinishReason.STOP } },
      }),
    );
    same(
      finishEvent("c1", 1, FinishReason.LENGTH, "###"),
      create(StreamResponseSchema, {
        id: "c1",
        choiceIndex: 1,
        event: { case: "finish", value: { reason: FinishReason.LENGTH, stopSequence: "###" } },
      }),
    );
  });

  it("are the messages create() makes: a usage report", () => {
    const usage = create(TokenUsageSchema, { promptTokens: 12, completionTokens: 3, totalTokens: 15 });
    same(
      usageEvent("c1", usage),
      create(StreamResponseSchema, { id: "c1", event: { case: "usage", value: { usage } } }),
    );
  });
});
