import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, ReasoningSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { reasoningEffort } from "./openai-reasoning.ts";
import { openAIRequestBody } from "./openai-request-body.ts";

const reasoning = (init: Parameters<typeof create<typeof ReasoningSchema>>[1]) =>
  create(ReasoningSchema, init);

describe("reasoning on the chat completions wire", () => {
  it("sends an effort as it is, and thinking turned off as none", () => {
    expect(reasoningEffort(reasoning({ effort: "high" }))).toBe("high");
    expect(reasoningEffort(reasoning({ enabled: false }))).toBeUndefined();
    expect(reasoningEffort(reasoning({ effort: "none" }))).toBe("none");
    expect(reasoningEffort(reasoning({ include: true }))).toBeUndefined();
    expect(reasoningEffort(undefined)).toBeUndefined();
  });

  it("turns a token budget into the nearest effort", () => {
    expect(reasoningEffort(reasoning({ budgetTokens: 1024 }))).toBe("low");
    expect(reasoningEffort(reasoning({ budgetTokens: 10_000 }))).toBe("medium");
    expect(reasoningEffort(reasoning({ budgetTokens: 31_999 }))).toBe("high");
  });

  it("puts reasoning_effort in the body, over a pass-through field of the same name", () => {
    const request = create(ChatRequestSchema, {
      model: "m",
      messages: [],
      reasoning: { effort: "low" },
      extra: { reasoning_effort: "high" },
    });
    expect(JSON.parse(openAIRequestBody(request, "m", false, false)).reasoning_effort).toBe("low");
    const plain = create(ChatRequestSchema, {
      model: "m",
      messages: [],
      extra: { reasoning_effort: "high" },
    });
    expect(JSON.parse(openAIRequestBody(plain, "m", false, false)).reasoning_effort).toBe("high");
  });
});
