import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ChatRequestSchema,
  ResponseFormatType,
  Role,
  ToolChoiceMode,
} from "../../../../gen/llmgw/v1/chat_pb.js";
import { parseInput } from "./parse-input-items.ts";
import { parseResponsesRequest } from "./parse-responses-request.ts";

const base = { model: "m", input: "hi" };

function refused(body: Record<string, unknown>) {
  try {
    parseResponsesRequest(body);
  } catch (error) {
    return error as { code: string; param?: string; message: string };
  }
  throw new Error("expected a refusal");
}

describe("parsing a Responses request", () => {
  it("maps the modelled fields onto the canonical request", () => {
    const parsed = parseResponsesRequest({
      ...base,
      instructions: "Be brief.",
      tools: [
        { type: "function", name: "f", description: "d", parameters: { type: "object" }, strict: true },
      ],
      tool_choice: { type: "function", name: "f" },
      text: {
        format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true },
        verbosity: "low",
      },
      reasoning: { effort: "high", summary: "auto" },
      max_output_tokens: 100,
      temperature: 0.5,
      top_p: 0.9,
      user: "u1",
      metadata: { a: "b" },
      parallel_tool_calls: false,
      store: false,
      previous_response_id: "resp_x",
      service_tier: "flex",
    });
    const request = create(ChatRequestSchema, parsed.fields);
    expect(request.tools[0]).toMatchObject({ name: "f", description: "d", strict: true });
    expect(request.toolChoice?.choice).toEqual({ case: "function", value: "f" });
    expect(request.responseFormat).toMatchObject({
      type: ResponseFormatType.JSON_SCHEMA,
      name: "out",
      strict: true,
    });
    expect(request.reasoning).toMatchObject({ effort: "high", include: true });
    expect(request).toMatchObject({
      maxTokens: 100,
      temperature: 0.5,
      topP: 0.9,
      user: "u1",
      parallelToolCalls: false,
    });
    expect(request.metadata).toEqual({ a: "b" });
    // What the gateway does not model rides along to the upstream, as on chat completions.
    expect(request.extra).toEqual({ service_tier: "flex", verbosity: "low" });
    expect(parsed).toMatchObject({
      instructions: "Be brief.",
      store: false,
      previousResponseId: "resp_x",
      stream: false,
    });
    expect(parsed.echo).toMatchObject({ instructions: "Be brief.", max_output_tokens: 100, store: false });
  });

  it("stores by default, as OpenAI does, and turns thinking off for effort none", () => {
    const parsed = parseResponsesRequest({ ...base, reasoning: { effort: "none" }, tool_choice: "required" });
    expect(parsed.store).toBe(true);
    const request = create(ChatRequestSchema, parsed.fields);
    expect(request.reasoning).toMatchObject({ effort: "", enabled: false });
    expect(request.toolChoice?.choice).toEqual({ case: "mode", value: ToolChoiceMode.REQUIRED });
  });

  it("refuses what no backend behind the gateway can honour, naming the field", () => {
    expect(refused({ ...base, tools: [{ type: "file_search", vector_store_ids: ["v"] }] })).toMatchObject({
      code: "invalid_request",
      param: "tools[0].type",
    });
    expect(refused({ ...base, tool_choice: { type: "web_search" } }).param).toBe("tool_choice");
    expect(refused({ ...base, background: true }).param).toBe("background");
    expect(refused({ ...base, conversation: "conv_1" }).param).toBe("conversation");
    expect(refused({ ...base, truncation: "auto" }).param).toBe("truncation");
    expect(refused({ ...base, include: ["file_search_call.results"] }).param).toBe("include[0]");
    expect(refused({ ...base, reasoning: { effort: "max" } }).param).toBe("reasoning.effort");
    expect(
      parseResponsesRequest({ ...base, background: false, include: ["reasoning.encrypted_content"] }).store,
    ).toBe(true);
  });

  it("refuses wrong types and missing fields with a clear message", () => {
    expect(refused({ input: "x" }).param).toBe("model");
    expect(refused({ model: "m" }).param).toBe("input");
    expect(refused({ ...base, max_output_tokens: -1 }).param).toBe("max_output_tokens");
    expect(refused({ ...base, metadata: { a: 1 } }).param).toBe("metadata.a");
    expect(refused({ ...base, text: { format: { type: "json_schema", schema: {} } } }).param).toBe(
      "text.format.name",
    );
    expect(refused({ ...base, tools: "f" }).param).toBe("tools");
  });
});

describe("parsing Responses input items", () => {
  it("reads a string as one user message", () => {
    expect(parseInput("hello")).toEqual([
      { role: Role.USER, content: [{ part: { case: "text", value: "hello" } }] },
    ]);
  });

  it("joins one assistant turn's reasoning, text and function calls into one message, then the tool outputs", () => {
    const messages = parseInput([
      { role: "developer", content: "rules" },
      {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "look" },
          { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
        ],
      },
      { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "thinking" }] },
      {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "calling", annotations: [] }],
      },
      { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
      { type: "function_call", call_id: "c2", name: "g", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "one" },
      { type: "function_call_output", call_id: "c2", output: [{ type: "input_text", text: "two" }] },
    ]);
    expect(messages.map((m) => m.role)).toEqual([
      Role.DEVELOPER,
      Role.USER,
      Role.ASSISTANT,
      Role.TOOL,
      Role.TOOL,
    ]);
    expect(messages[1]?.content?.[1]).toMatchObject({
      part: {
        case: "image",
        value: { source: { case: "url", value: "https://example.com/a.png" }, detail: "low" },
      },
    });
    const turn = messages[2];
    expect(turn?.reasoning).toBe("thinking");
    expect(turn?.content).toEqual([{ part: { case: "text", value: "calling" } }]);
    expect(turn?.toolCalls?.map((c) => c.id)).toEqual(["c1", "c2"]);
    expect(messages[4]).toMatchObject({
      toolCallId: "c2",
      content: [{ part: { case: "text", value: "two" } }],
    });
  });

  it("reads an item_reference as the stored item it points at, and refuses one it cannot find", () => {
    const stored = {
      id: "msg_1",
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "hi" }],
    };
    const messages = parseInput([{ type: "item_reference", id: "msg_1" }], new Map([["msg_1", stored]]));
    expect(messages).toEqual([
      { role: Role.ASSISTANT, content: [{ part: { case: "text", value: "hi" } }], refusal: "" },
    ]);
    expect(() => parseInput([{ type: "item_reference", id: "msg_2" }])).toThrow(/not a stored item/);
  });

  it("refuses items and parts it cannot carry, naming where they are", () => {
    const cases: Array<[unknown, string]> = [
      [[{ type: "computer_call_output", call_id: "c" }], "input[0].type"],
      [[{ role: "tool", content: "x" }], "input[0].role"],
      [[{ role: "user", content: [{ type: "input_file", file_id: "f" }] }], "input[0].content[0].type"],
      [[{ role: "user", content: [{ type: "input_image", file_id: "f" }] }], "input[0].content[0].file_id"],
      [
        [{ role: "user", content: [{ type: "input_image", image_url: "file:///etc/passwd" }] }],
        "input[0].content[0].image_url",
      ],
      [[{ type: "reasoning", summary: [], encrypted_content: "gAAA" }], "input[0].encrypted_content"],
      [[{ type: "function_call", name: "f" }], "input[0].call_id"],
      [[42], "input[0]"],
      [{ role: "user" }, "input"],
    ];
    for (const [input, param] of cases) {
      expect(() => parseInput(input), param).toThrowError(
        expect.objectContaining({ code: "invalid_request", param }),
      );
    }
  });
});
