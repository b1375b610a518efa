import { describe, expect, it } from "vitest";
import { Role, ToolChoiceMode } from "../../../gen/llmgw/v1/chat_pb.js";
import { parseMessagesRequest } from "./parse-messages-request.ts";

const hello = [{ role: "user", content: "Hello" }];

function parse(body: Record<string, unknown>, countOnly = false) {
  return parseMessagesRequest(
    { model: "m", max_tokens: 100, messages: hello, ...body },
    undefined,
    countOnly,
  );
}

function refusal(body: unknown, countOnly = false): { code: string; message: string; param?: string } {
  try {
    parseMessagesRequest(body, undefined, countOnly);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected a refusal");
}

describe("parsing an Anthropic Messages request", () => {
  it("maps the top-level fields, and top_k and unknown fields into extra", () => {
    const { request, stream } = parse({
      stream: true,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 7,
      stop_sequences: ["END"],
      metadata: { user_id: "u-1" },
      service_tier: "auto",
    });
    expect(stream).toBe(true);
    expect(request).toMatchObject({
      model: "m",
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stop: ["END"],
      user: "u-1",
    });
    expect(request.extra).toEqual({ top_k: 7, service_tier: "auto" });
  });

  it("keeps system blocks with their cache_control as a system message first", () => {
    const { request } = parse({
      system: [
        { type: "text", text: "You are terse." },
        { type: "text", text: "Rules.", cache_control: { type: "ephemeral", ttl: "1h" } },
      ],
    });
    const system = request.messages[0];
    expect(system?.role).toBe(Role.SYSTEM);
    expect(system?.content.map((p) => p.part.value)).toEqual(["You are terse.", "Rules."]);
    expect(system?.content[1]?.cacheControl).toMatchObject({ type: "ephemeral", ttl: "1h" });
    expect(system?.content[0]?.cacheControl).toBeUndefined();
  });

  it("splits a user turn into tool messages and user messages, in order", () => {
    const { request } = parse({
      messages: [
        { role: "user", content: "weather?" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "sig" },
            { type: "redacted_thinking", data: "enc" },
            { type: "text", text: "checking", citations: null },
            {
              type: "tool_use",
              id: "t1",
              name: "w",
              input: { city: "Paris" },
              cache_control: { type: "ephemeral" },
            },
          ],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "t1",
              content: "boom",
              is_error: true,
              cache_control: { type: "ephemeral" },
            },
            { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
            { type: "text", text: "and this?" },
          ],
        },
      ],
    });
    const [, assistant, tool, user] = request.messages;
    expect(assistant).toMatchObject({
      role: Role.ASSISTANT,
      reasoning: "hmm",
      reasoningSignature: "sig",
      redactedReasoning: ["enc"],
      toolCalls: [
        { id: "t1", name: "w", arguments: '{"city":"Paris"}', cacheControl: { type: "ephemeral" } },
      ],
    });
    expect(tool).toMatchObject({ role: Role.TOOL, toolCallId: "t1", toolError: true });
    expect(tool?.content[0]?.cacheControl?.type).toBe("ephemeral");
    expect(user?.role).toBe(Role.USER);
    expect(user?.content.map((p) => p.part.case)).toEqual(["image", "text"]);
  });

  it("maps thinking and tool_choice", () => {
    const { request } = parse({
      max_tokens: 4000,
      thinking: { type: "enabled", budget_tokens: 2048 },
      tools: [{ name: "w", input_schema: { type: "object" } }],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    });
    expect(request.reasoning).toMatchObject({ enabled: true, budgetTokens: 2048 });
    expect(request.toolChoice?.choice).toEqual({ case: "mode", value: ToolChoiceMode.REQUIRED });
    expect(request.parallelToolCalls).toBe(false);
    expect(parse({ thinking: { type: "disabled" } }).request.reasoning?.enabled).toBe(false);
    expect(parse({ tool_choice: { type: "tool", name: "w" } }).request.toolChoice?.choice).toEqual({
      case: "function",
      value: "w",
    });
  });

  it("decodes a base64 image and requires max_tokens except for count_tokens", () => {
    const { request } = parse({
      messages: [
        {
          role: "user",
          content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "aGk=" } }],
        },
      ],
    });
    const image = request.messages[0]?.content[0]?.part;
    expect(image?.case === "image" && Buffer.from(image.value.source.value as Uint8Array).toString()).toBe(
      "hi",
    );
    expect(refusal({ model: "m", messages: hello }).message).toBe("max_tokens: Field required");
    expect(
      parseMessagesRequest({ model: "m", messages: hello }, undefined, true).request.maxTokens,
    ).toBeUndefined();
  });

  it.each([
    ["no model", { max_tokens: 1, messages: hello }, "model"],
    [
      "a system role in messages",
      { model: "m", max_tokens: 1, messages: [{ role: "system", content: "x" }] },
      "messages.0.role",
    ],
    [
      "an unknown block type",
      { model: "m", max_tokens: 1, messages: [{ role: "user", content: [{ type: "document" }] }] },
      "messages.0.content.0.type",
    ],
    [
      "a server tool",
      {
        model: "m",
        max_tokens: 1,
        messages: hello,
        tools: [{ type: "web_search_20250305", name: "web_search" }],
      },
      "tools.0.type",
    ],
    ["mcp_servers", { model: "m", max_tokens: 1, messages: hello, mcp_servers: [] }, "mcp_servers"],
    [
      "a tiny thinking budget",
      { model: "m", max_tokens: 5000, messages: hello, thinking: { type: "enabled", budget_tokens: 10 } },
      "thinking.budget_tokens",
    ],
    [
      "a budget over max_tokens",
      { model: "m", max_tokens: 1500, messages: hello, thinking: { type: "enabled", budget_tokens: 2000 } },
      "thinking.budget_tokens",
    ],
    [
      "adaptive thinking",
      { model: "m", max_tokens: 1, messages: hello, thinking: { type: "adaptive" } },
      "thinking.type",
    ],
    [
      "extra metadata",
      { model: "m", max_tokens: 1, messages: hello, metadata: { session: "s" } },
      "metadata.session",
    ],
    [
      "non-empty citations",
      {
        model: "m",
        max_tokens: 1,
        messages: [{ role: "assistant", content: [{ type: "text", text: "x", citations: [{}] }] }],
      },
      "messages.0.content.0.citations",
    ],
    [
      "bad base64",
      {
        model: "m",
        max_tokens: 1,
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "%%%" } }],
          },
        ],
      },
      "messages.0.content.0.source.data",
    ],
    [
      "an svg image",
      {
        model: "m",
        max_tokens: 1,
        messages: [
          {
            role: "user",
            content: [
              { type: "image", source: { type: "base64", media_type: "image/svg+xml", data: "aGk=" } },
            ],
          },
        ],
      },
      "messages.0.content.0.source.media_type",
    ],
    [
      "a bad cache ttl",
      {
        model: "m",
        max_tokens: 1,
        system: [{ type: "text", text: "x", cache_control: { type: "ephemeral", ttl: "1d" } }],
        messages: hello,
      },
      "system.0.cache_control.ttl",
    ],
    [
      "two thinking blocks",
      {
        model: "m",
        max_tokens: 1,
        messages: [
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "a", signature: "s" },
              { type: "thinking", thinking: "b", signature: "t" },
            ],
          },
        ],
      },
      "messages.0.content.1",
    ],
    ["a string max_tokens", { model: "m", max_tokens: "10", messages: hello }, "max_tokens"],
    ["a body that is an array", [], "body"],
  ])("refuses %s, naming the field", (_, body, param) => {
    const error = refusal(body);
    expect(error.code).toBe("invalid_request");
    expect(error.param).toBe(param);
  });
});
