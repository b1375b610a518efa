import { create, equals, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { TokenUsageSchema } from "../../gen/llmgw/v1/usage_pb.js";
import { tokenUsage, type UsageCounts } from "./token-usage.ts";

describe("a usage record built as a literal", () => {
  const same = (counts: UsageCounts) => {
    const literal = tokenUsage(counts);
    const made = create(TokenUsageSchema, counts);
    expect(literal).toStrictEqual(made);
    expect(equals(TokenUsageSchema, literal, made)).toBe(true);
    expect(toBinary(TokenUsageSchema, literal)).toEqual(toBinary(TokenUsageSchema, made));
  };

  it("is the message create() makes with every field set", () => {
    same({
      promptTokens: 12,
      completionTokens: 30,
      totalTokens: 42,
      cachedPromptTokens: 4,
      cacheCreationTokens: 2,
      reasoningTokens: 7,
      estimated: true,
    });
  });

  it("keeps the fields left out at their defaults", () => {
    same({});
    same({ promptTokens: 5, totalTokens: 5 });
  });
});
