import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ReasoningSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { ollamaThink } from "./ollama-think.ts";

const think = (init: Parameters<typeof create<typeof ReasoningSchema>>[1]) =>
  ollamaThink(create(ReasoningSchema, init));

describe("ollamaThink", () => {
  it("maps the canonical reasoning config to Ollama's think", () => {
    expect(ollamaThink(undefined)).toBeUndefined();
    expect(think({})).toBeUndefined();
    expect(think({ enabled: false, effort: "high" })).toBe(false);
    expect(think({ effort: "medium" })).toBe("medium");
    expect(think({ effort: "minimal" })).toBe("low");
    expect(think({ budgetTokens: 1024 })).toBe(true);
    expect(think({ enabled: true })).toBe(true);
  });
});
