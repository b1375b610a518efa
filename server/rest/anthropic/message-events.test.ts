import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FinishReason, StreamResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { MessageEventRenderer } from "./message-events.ts";

type Init = Parameters<typeof create<typeof StreamResponseSchema>>[1];

function run(events: Init[]) {
  const out: Array<{ name: string; data: Record<string, unknown> }> = [];
  const renderer = new MessageEventRenderer("model-x", "req-1", {
    queueEvent: (name, data) => out.push({ name, data: JSON.parse(data) }),
  });
  for (const event of events) renderer.event(create(StreamResponseSchema, event));
  return { out, renderer };
}

const delta = (value: Record<string, string>): Init => ({ id: "msg_1", event: { case: "delta", value } });
const usage: Init = {
  event: {
    case: "usage",
    value: { usage: { promptTokens: 10, completionTokens: 3, cachedPromptTokens: 4 } },
  },
};

describe("rendering a canonical stream as Anthropic events", () => {
  it("opens with message_start and ping, and gives thinking, text and tool calls their own blocks", () => {
    const { out } = run([
      delta({ reasoning: "hmm" }),
      delta({ reasoningSignature: "sig" }),
      delta({ text: "Hi" }),
      delta({ text: " there" }),
      { event: { case: "toolCall", value: { index: 0, id: "t1", name: "w", arguments: '{"a"' } } },
      { event: { case: "toolCall", value: { index: 1, id: "t2", name: "v", arguments: "{}" } } },
      { event: { case: "toolCall", value: { index: 0, arguments: ":1}" } } },
      { event: { case: "finish", value: { reason: FinishReason.TOOL_CALLS } } },
      usage,
    ]);
    expect(out.map((e) => e.name)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const e of out) expect(e.data.type).toBe(e.name);
    expect(out[0]?.data.message).toMatchObject({ id: "msg_1", model: "model-x", content: [] });
    expect(out[2]?.data.content_block).toEqual({ type: "thinking", thinking: "", signature: "" });
    expect(out[4]?.data.delta).toEqual({ type: "signature_delta", signature: "sig" });
    expect(out[7]?.data).toEqual({
      type: "content_block_delta",
      index: 1,
      delta: { type: "text_delta", text: "Hi" },
    });
    expect(out[10]?.data).toMatchObject({
      index: 2,
      content_block: { type: "tool_use", id: "t1", name: "w", input: {} },
    });
    // The late fragment of the first call lands on its own block.
    expect(out[14]?.data).toMatchObject({
      index: 2,
      delta: { type: "input_json_delta", partial_json: ":1}" },
    });
    expect(out[17]?.data).toMatchObject({
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 6, cache_read_input_tokens: 4, output_tokens: 3 },
    });
  });

  it("says stop_sequence with the sequence matched, and max_tokens on length", () => {
    const stop = run([
      delta({ text: "a" }),
      { event: { case: "finish", value: { reason: FinishReason.STOP, stopSequence: "END" } } },
      usage,
    ]);
    expect(stop.out.at(-2)?.data.delta).toEqual({ stop_reason: "stop_sequence", stop_sequence: "END" });
    const length = run([
      delta({ text: "a" }),
      { event: { case: "finish", value: { reason: FinishReason.LENGTH } } },
      usage,
    ]);
    expect(length.out.at(-2)?.data.delta).toEqual({ stop_reason: "max_tokens", stop_sequence: null });
  });

  it("sends a redacted thinking block whole", () => {
    const { out } = run([delta({ redactedReasoning: "enc" }), delta({ text: "a" })]);
    expect(out.slice(2, 4)).toEqual([
      {
        name: "content_block_start",
        data: {
          type: "content_block_start",
          index: 0,
          content_block: { type: "redacted_thinking", data: "enc" },
        },
      },
      { name: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
    ]);
    expect(out[4]?.data).toMatchObject({ index: 1 });
  });

  it("ends a failed stream with an error event in Anthropic's shape", () => {
    const { out, renderer } = run([delta({ text: "a" })]);
    renderer.fail(new GatewayError("upstream_unavailable", "gone"));
    expect(out.at(-1)).toEqual({
      name: "error",
      data: { type: "error", error: { type: "overloaded_error", message: "gone" }, request_id: "req-1" },
    });
  });
});
