import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ReasoningSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { thinkingConfig } from "./gemini-thinking.ts";

describe("canonical reasoning as Gemini's thinkingConfig", () => {
  it.each([
    [{ enabled: false }, { thinkingBudget: 0 }],
    [
      { budgetTokens: 1024, include: true },
      { thinkingBudget: 1024, includeThoughts: true },
    ],
    [{ effort: "low" }, { thinkingLevel: "LOW" }],
    [{ enabled: true }, { thinkingBudget: -1 }],
    [{ include: false }, { includeThoughts: false }],
  ])("%j → %j", (reasoning, expected) => {
    expect(thinkingConfig(create(ReasoningSchema, reasoning))).toEqual(expected);
  });

  it("asks for nothing when reasoning is unset or empty", () => {
    expect(thinkingConfig(undefined)).toBeUndefined();
    expect(thinkingConfig(create(ReasoningSchema))).toBeUndefined();
  });
});
