import { create, equals, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { MessageSchema, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { parseMessages } from "./parse-messages.ts";

type MessageInit = MessageInitShape<typeof MessageSchema>;

/** Each OpenAI message beside the init that create() is given for it. */
const CASES: [string, unknown, MessageInit][] = [
  [
    "a system prompt",
    { role: "system", content: "Be brief." },
    { role: Role.SYSTEM, content: [{ part: { case: "text", value: "Be brief." } }] },
  ],
  [
    "a user message with a name and no content",
    { role: "user", name: "ana", content: null },
    { role: Role.USER, name: "ana" },
  ],
  [
    "text and image parts",
    {
      role: "user",
      content: [
        { type: "text", text: "what is this?" },
        { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAEC" } },
      ],
    },
    {
      role: Role.USER,
      content: [
        { part: { case: "text", value: "what is this?" } },
        {
          part: {
            case: "image",
            value: { source: { case: "url", value: "https://example.com/a.png" }, detail: "low" },
          },
        },
        {
          part: {
            case: "image",
            value: { source: { case: "data", value: Buffer.from([0, 1, 2]) }, mediaType: "image/png" },
          },
        },
      ],
    },
  ],
  [
    "an assistant turn with tool calls, reasoning and a refusal",
    {
      role: "assistant",
      content: "",
      reasoning_content: "thinking",
      refusal: "no",
      tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
    },
    {
      role: Role.ASSISTANT,
      content: [{ part: { case: "text", value: "" } }],
      reasoning: "thinking",
      refusal: "no",
      toolCalls: [{ id: "c1", name: "f", arguments: '{"a":1}' }],
    },
  ],
  [
    "a tool result",
    { role: "tool", tool_call_id: "c1", content: "42" },
    { role: Role.TOOL, toolCallId: "c1", content: [{ part: { case: "text", value: "42" } }] },
  ],
];

describe("messages built as literals", () => {
  it.each(CASES)("%s: the message create() makes, field for field and on the wire", (_, json, init) => {
    const [literal] = parseMessages([json]);
    const made = create(MessageSchema, init);
    expect(literal).toStrictEqual(made);
    expect(equals(MessageSchema, literal as typeof made, made)).toBe(true);
    expect(toBinary(MessageSchema, literal as typeof made)).toEqual(toBinary(MessageSchema, made));
  });
});
