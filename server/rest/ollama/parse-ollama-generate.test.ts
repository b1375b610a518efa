import { describe, expect, it } from "vitest";
import { Role } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayError } from "../../errors/gateway-error.ts";
import { parseOllamaGenerate } from "./parse-ollama-generate.ts";

function refusal(body: unknown): GatewayError {
  try {
    parseOllamaGenerate(body);
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error("expected the body to be refused");
}

describe("parseOllamaGenerate", () => {
  it("turns system and prompt into a system and a user message", () => {
    const { request, stream } = parseOllamaGenerate({
      model: "m",
      system: "be brief",
      prompt: "why?",
      stream: false,
    });
    expect(stream).toBe(false);
    expect(request.messages.map((m) => [m.role, m.content[0]?.part.value])).toEqual([
      [Role.SYSTEM, "be brief"],
      [Role.USER, "why?"],
    ]);
  });

  it("leaves messages empty for an empty prompt (Ollama's load request)", () => {
    expect(parseOllamaGenerate({ model: "m", system: "x" }).request.messages).toEqual([]);
  });

  it("refuses what only a local runner can do, naming the field", () => {
    expect(refusal({ model: "m", prompt: "p", raw: true }).param).toBe("raw");
    expect(refusal({ model: "m", prompt: "p", template: "{{ .Prompt }}" }).param).toBe("template");
    expect(refusal({ model: "m", prompt: "p", context: [1, 2, 3] }).param).toBe("context");
    expect(refusal({ model: "m", prompt: "p", suffix: "end" }).param).toBe("suffix");
    expect(refusal({ model: "m", prompt: 3 }).param).toBe("prompt");
    // Harmless defaults pass.
    expect(
      parseOllamaGenerate({ model: "m", prompt: "p", raw: false, context: [], suffix: "" }).request.messages,
    ).toHaveLength(1);
  });
});
