import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CompleteResponseSchema, FinishReason, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { anthropicStatus } from "./anthropic-error.ts";
import { renderMessage } from "./render-message.ts";

function response(message: Record<string, unknown>, finishReason = FinishReason.STOP, stopSequence = "") {
  return create(CompleteResponseSchema, {
    id: "",
    model: "up-model",
    choices: [{ index: 0, message: { role: Role.ASSISTANT, ...message }, finishReason, stopSequence }],
    usage: { promptTokens: 12, completionTokens: 5, cacheCreationTokens: 2 },
  });
}

describe("rendering a completion as an Anthropic message", () => {
  it("puts thinking first, then text, then tool_use with its input object", () => {
    const json = JSON.parse(
      renderMessage(
        response(
          {
            content: [{ part: { case: "text", value: "Let me see." } }],
            reasoning: "hmm",
            reasoningSignature: "sig",
            redactedReasoning: ["enc"],
            toolCalls: [{ id: "t1", name: "w", arguments: '{"city":"Paris"}' }],
          },
          FinishReason.TOOL_CALLS,
        ),
        "asked",
        "req-9",
      ),
    );
    expect(json).toMatchObject({
      id: "msg_req-9",
      type: "message",
      role: "assistant",
      model: "up-model",
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        cache_creation_input_tokens: 2,
        cache_read_input_tokens: 0,
        output_tokens: 5,
      },
    });
    expect(json.content).toEqual([
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "redacted_thinking", data: "enc" },
      { type: "text", text: "Let me see." },
      { type: "tool_use", id: "t1", name: "w", input: { city: "Paris" } },
    ]);
  });

  it("names the stop sequence that ended the answer", () => {
    const json = JSON.parse(
      renderMessage(
        response({ content: [{ part: { case: "text", value: "a" } }] }, FinishReason.STOP, "END"),
        "m",
        "r",
      ),
    );
    expect([json.stop_reason, json.stop_sequence]).toEqual(["stop_sequence", "END"]);
  });

  it("refuses tool arguments that are not a JSON object as the upstream's fault", () => {
    const bad = response({ toolCalls: [{ id: "t", name: "w", arguments: "[1" }] }, FinishReason.TOOL_CALLS);
    expect(() => renderMessage(bad, "m", "r")).toThrow(expect.objectContaining({ code: "upstream_error" }));
  });

  it("answers overload with 529 and other errors with the table's status", () => {
    expect(anthropicStatus(new GatewayError("queue_full", "x"))).toBe(529);
    expect(anthropicStatus(new GatewayError("circuit_open", "x"))).toBe(529);
    expect(anthropicStatus(new GatewayError("upstream_unavailable", "x"))).toBe(529);
    expect(anthropicStatus(new GatewayError("rate_limited", "x"))).toBe(429);
    expect(anthropicStatus(new GatewayError("upstream_error", "x"))).toBe(502);
  });
});
