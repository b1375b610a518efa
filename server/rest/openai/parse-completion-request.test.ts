import { describe, expect, it } from "vitest";
import { Role } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayError } from "../../errors/gateway-error.ts";
import { parseCompletionRequest } from "./parse-completion-request.ts";

function refusal(body: unknown): GatewayError {
  try {
    parseCompletionRequest(body);
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error("expected the body to be refused");
}

describe("parseCompletionRequest", () => {
  it("makes the prompt one user message, with OpenAI's default of 16 tokens", () => {
    const { request, stream, includeUsage } = parseCompletionRequest({ model: "m", prompt: "Once upon" });
    expect(request.messages).toHaveLength(1);
    expect(request.messages[0]?.role).toBe(Role.USER);
    expect(request.messages[0]?.content[0]?.part.value).toBe("Once upon");
    expect(request.maxTokens).toBe(16);
    expect([stream, includeUsage]).toEqual([false, false]);
  });

  it("takes a list of one prompt (LangChain's batch of one) and LangChain's harmless defaults", () => {
    const { request, stream, includeUsage } = parseCompletionRequest({
      model: "m",
      prompt: ["Say hi"],
      max_tokens: 256,
      temperature: 0.7,
      top_p: 1,
      n: 1,
      best_of: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      stop: "\n",
      logit_bias: {},
      stream: true,
      stream_options: { include_usage: true },
      top_k: 5,
    });
    expect(request).toMatchObject({ maxTokens: 256, temperature: 0.7, topP: 1, n: 1, stop: ["\n"] });
    expect(request.extra).toEqual({ top_k: 5 });
    expect([stream, includeUsage]).toEqual([true, true]);
  });

  it("refuses, naming the field, what a chat answer cannot give", () => {
    expect(refusal({ prompt: "p" }).param).toBe("model");
    expect(refusal({ model: "m" }).param).toBe("prompt");
    expect(refusal({ model: "m", prompt: [1, 2, 3] }).message).toMatch(/token-id prompts/);
    expect(refusal({ model: "m", prompt: [[1, 2]] }).message).toMatch(/token-id prompts/);
    expect(refusal({ model: "m", prompt: ["a", "b"] }).message).toMatch(/2 prompts/);
    expect(refusal({ model: "m", prompt: [] }).param).toBe("prompt");
    expect(refusal({ model: "m", prompt: "p", logprobs: 2 }).param).toBe("logprobs");
    expect(refusal({ model: "m", prompt: "p", echo: true }).param).toBe("echo");
    expect(refusal({ model: "m", prompt: "p", suffix: "end" }).param).toBe("suffix");
    expect(refusal({ model: "m", prompt: "p", best_of: 3 }).param).toBe("best_of");
    expect(refusal({ model: "m", prompt: "p", max_tokens: 0 }).param).toBe("max_tokens");
    expect(refusal({ model: "m", prompt: "p", stream: "yes" }).param).toBe("stream");
  });
});
