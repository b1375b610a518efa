import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { anthropicRequestBody } from "./anthropic-request-body.ts";

type Init = Parameters<typeof create<typeof ChatRequestSchema>>[1];

function body(init: Init): Record<string, unknown> {
  return JSON.parse(
    anthropicRequestBody("claude", create(ChatRequestSchema, { model: "m", ...init }), "m", false),
  );
}

const user = { role: Role.USER, content: [{ part: { case: "text" as const, value: "hi" } }] };
const ephemeral = { type: "ephemeral", ttl: "" };

describe("the Anthropic request body", () => {
  it("turns the reasoning config into thinking, leaving room for the answer", () => {
    expect(body({ messages: [user], reasoning: { budgetTokens: 2000 } })).toMatchObject({
      thinking: { type: "enabled", budget_tokens: 2000 },
      max_tokens: 6096,
    });
    expect(body({ messages: [user], maxTokens: 9000, reasoning: { effort: "high" } })).toMatchObject({
      thinking: { type: "enabled", budget_tokens: 24576 },
      max_tokens: 9000,
    });
    expect(body({ messages: [user], reasoning: { enabled: false } }).thinking).toEqual({ type: "disabled" });
    expect(body({ messages: [user] }).thinking).toBeUndefined();
  });

  it("sends thinking with its signature first in an assistant turn, and unsigned reasoning not at all", () => {
    const sent = body({
      messages: [
        user,
        {
          role: Role.ASSISTANT,
          content: [{ part: { case: "text", value: "a" } }],
          reasoning: "hmm",
          reasoningSignature: "sig",
          redactedReasoning: ["enc"],
        },
        user,
        { role: Role.ASSISTANT, content: [{ part: { case: "text", value: "b" } }], reasoning: "unsigned" },
      ],
    });
    const messages = sent.messages as Array<{ content: unknown[] }>;
    expect(messages[1]?.content).toEqual([
      { type: "thinking", thinking: "hmm", signature: "sig" },
      { type: "redacted_thinking", data: "enc" },
      { type: "text", text: "a" },
    ]);
    expect(messages[3]?.content).toEqual([{ type: "text", text: "b" }]);
  });

  it("carries cache_control on system blocks, content, tool calls, tool results and tools, and is_error", () => {
    const sent = body({
      messages: [
        {
          role: Role.SYSTEM,
          content: [{ part: { case: "text", value: "sys" }, cacheControl: { type: "ephemeral", ttl: "1h" } }],
        },
        user,
        {
          role: Role.ASSISTANT,
          toolCalls: [{ id: "t1", name: "w", arguments: "{}", cacheControl: ephemeral }],
        },
        {
          role: Role.TOOL,
          toolCallId: "t1",
          toolError: true,
          content: [{ part: { case: "text", value: "boom" }, cacheControl: ephemeral }],
        },
      ],
      tools: [{ name: "w", cacheControl: ephemeral }],
    });
    expect(sent.system).toEqual([
      { type: "text", text: "sys", cache_control: { type: "ephemeral", ttl: "1h" } },
    ]);
    const messages = sent.messages as Array<{ content: unknown[] }>;
    expect(messages[1]?.content).toEqual([
      { type: "tool_use", id: "t1", name: "w", input: {}, cache_control: { type: "ephemeral" } },
    ]);
    expect(messages[2]?.content).toEqual([
      {
        type: "tool_result",
        tool_use_id: "t1",
        content: "boom",
        is_error: true,
        cache_control: { type: "ephemeral" },
      },
    ]);
    expect(sent.tools).toEqual([
      { name: "w", input_schema: { type: "object", properties: {} }, cache_control: { type: "ephemeral" } },
    ]);
  });

  it("keeps an unmarked system prompt a plain string", () => {
    const sent = body({
      messages: [{ role: Role.SYSTEM, content: [{ part: { case: "text", value: "sys" } }] }, user],
    });
    expect(sent.system).toBe("sys");
  });
});
