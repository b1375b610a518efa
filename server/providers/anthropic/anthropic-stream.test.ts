import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, type StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { EventSink } from "../event-stream.ts";
import { AnthropicStreamMapper } from "./anthropic-stream.ts";

const request = create(ChatRequestSchema, { model: "m" });

function recorder() {
  const events: StreamResponse[] = [];
  const sink: EventSink = { event: (e) => events.push(e), flush() {}, end() {}, fail() {} };
  return { events, sink };
}

const data = (event: object) => JSON.stringify(event);

describe("the Anthropic stream mapper", () => {
  it("maps text and a parameterless tool call, finishes on message_delta and is done at message_stop", () => {
    const { sink, events } = recorder();
    const mapper = new AnthropicStreamMapper("p", request);
    const feed = [
      { type: "message_start", message: { id: "msg_1", usage: { input_tokens: 9, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } },
      { type: "ping" },
      { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "t1", name: "now" } },
      { type: "content_block_stop", index: 1 },
      { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 4 } },
    ];
    for (const event of feed) expect(mapper.data(data(event), sink)).toBe(false);
    expect(mapper.data(data({ type: "message_stop" }), sink)).toBe(true);
    expect(mapper.end(sink)).toBeUndefined();
    expect(events.map((e) => e.event.case)).toEqual(["delta", "toolCall", "toolCall", "finish", "usage"]);
    const args = events[2]?.event;
    expect(args?.case === "toolCall" && args.value.arguments).toBe("{}");
    const last = events[4]?.event;
    expect(
      last?.case === "usage" && [last.value.usage?.promptTokens, last.value.usage?.completionTokens],
    ).toEqual([9, 4]);
    expect(events[0]?.id).toBe("msg_1");
  });

  it("turns an error event after the 200 into a GatewayError (overloaded: upstream_unavailable)", () => {
    const { sink } = recorder();
    const mapper = new AnthropicStreamMapper("p", request);
    const overloaded = data({ type: "error", error: { type: "overloaded_error", message: "busy" } });
    expect(() => mapper.data(overloaded, sink)).toThrow(
      expect.objectContaining({ code: "upstream_unavailable" }),
    );
    const other = data({ type: "error", error: { type: "api_error", message: "oops" } });
    expect(() => mapper.data(other, sink)).toThrow(expect.objectContaining({ code: "upstream_error" }));
  });

  it("fails a stream that ended without a stop reason", () => {
    const { sink } = recorder();
    const mapper = new AnthropicStreamMapper("p", request);
    mapper.data(data({ type: "message_start", message: { id: "m" } }), sink);
    expect(() => mapper.end(sink)).toThrow(expect.objectContaining({ code: "upstream_error" }));
  });

  it("carries a thinking signature, a redacted block and the matched stop sequence", () => {
    const { sink, events } = recorder();
    const mapper = new AnthropicStreamMapper("p", request);
    const feed = [
      { type: "message_start", message: { id: "msg_2", usage: { input_tokens: 3 } } },
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "hmm" } },
      { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig" } },
      { type: "content_block_stop", index: 0 },
      { type: "content_block_start", index: 1, content_block: { type: "redacted_thinking", data: "enc" } },
      { type: "content_block_stop", index: 1 },
      {
        type: "message_delta",
        delta: { stop_reason: "stop_sequence", stop_sequence: "END" },
        usage: { output_tokens: 2 },
      },
    ];
    for (const event of feed) mapper.data(data(event), sink);
    mapper.end(sink);
    const deltas = events.flatMap((e) => (e.event.case === "delta" ? [e.event.value] : []));
    expect(deltas.map((d) => [d.reasoning, d.reasoningSignature, d.redactedReasoning])).toEqual([
      ["hmm", "", ""],
      ["", "sig", ""],
      ["", "", "enc"],
    ]);
    const finish = events.find((e) => e.event.case === "finish")?.event;
    expect(finish?.case === "finish" && [finish.value.reason, finish.value.stopSequence]).toEqual([1, "END"]);
  });
});
