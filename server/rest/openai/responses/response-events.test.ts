import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FinishReason, type StreamResponse, StreamResponseSchema } from "../../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../../errors/gateway-error.ts";
import { deltaEvent } from "../../../providers/delta-event.ts";
import { ResponseEvents } from "./response-events.ts";

const ID = `resp_${"ab".repeat(24)}`;

/** The renderer writing into a list of [name, payload] pairs, as the SseWriter would frame them. */
function rendered() {
  const events: Array<{ name: string; data: Record<string, unknown> }> = [];
  const renderer = new ResponseEvents(
    { queueEvent: (name, payload) => events.push({ name, data: JSON.parse(payload) }) },
    { store: true },
    ID,
    "m",
    1700000000,
  );
  return { renderer, events, names: () => events.map((e) => e.name) };
}

const finish = (reason: FinishReason): StreamResponse =>
  create(StreamResponseSchema, { event: { case: "finish", value: { reason } } });
const usage = create(StreamResponseSchema, {
  event: {
    case: "usage",
    value: { usage: { promptTokens: 3, completionTokens: 5, totalTokens: 8, reasoningTokens: 2 } },
  },
});
const toolCall = (index: number, id: string, name: string, args: string) =>
  create(StreamResponseSchema, { event: { case: "toolCall", value: { index, id, name, arguments: args } } });

describe("rendering canonical events as Responses SSE", () => {
  it("streams reasoning as a summary, then text, each item opened and closed in order", () => {
    const { renderer, events, names } = rendered();
    renderer.start();
    renderer.event(deltaEvent("", 0, "", "Let me think", ""));
    renderer.event(deltaEvent("", 0, "", ".", ""));
    renderer.event(deltaEvent("", 0, "Hi", "", ""));
    renderer.event(deltaEvent("", 0, " there", "", ""));
    renderer.event(finish(FinishReason.STOP));
    const response = renderer.finished(usage);
    renderer.complete(response);
    expect(names()).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.data.type === e.name)).toBe(true);
    const delta = events[11]?.data;
    expect(delta).toMatchObject({
      item_id: `msg_${"ab".repeat(24)}_1`,
      output_index: 1,
      content_index: 0,
      delta: "Hi",
    });
    expect(response).toMatchObject({
      id: ID,
      status: "completed",
      store: true,
      output: [
        {
          id: `rs_${"ab".repeat(24)}_0`,
          type: "reasoning",
          summary: [{ type: "summary_text", text: "Let me think." }],
        },
        { type: "message", status: "completed", content: [{ type: "output_text", text: "Hi there" }] },
      ],
      usage: {
        input_tokens: 3,
        output_tokens: 5,
        total_tokens: 8,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 2 },
      },
    });
  });

  it("gives each tool call its own function_call item, with argument deltas and a done event", () => {
    const { renderer, events, names } = rendered();
    renderer.event(toolCall(0, "call_a", "f", '{"x"'));
    renderer.event(toolCall(0, "", "", ":1}"));
    renderer.event(toolCall(1, "", "g", "{}"));
    renderer.event(finish(FinishReason.TOOL_CALLS));
    const response = renderer.finished(usage);
    expect(names()).toEqual([
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
    ]);
    expect(events[3]?.data).toMatchObject({ arguments: '{"x":1}', name: "f" });
    expect(response.output).toMatchObject([
      { type: "function_call", call_id: "call_a", name: "f", arguments: '{"x":1}', status: "completed" },
      // An upstream that sent no call id gets one, so the caller can answer the call.
      { type: "function_call", call_id: `call_${"ab".repeat(24)}_1`, name: "g", arguments: "{}" },
    ]);
  });

  it("puts a refusal in its own part and marks a response cut at max tokens incomplete", () => {
    const { renderer, names } = rendered();
    renderer.event(deltaEvent("", 0, "I", "", ""));
    renderer.event(deltaEvent("", 0, "", "", "no"));
    renderer.event(finish(FinishReason.LENGTH));
    const response = renderer.finished(usage);
    renderer.complete(response);
    expect(names()).toContain("response.refusal.delta");
    expect(names()).toContain("response.refusal.done");
    expect(names().at(-1)).toBe("response.incomplete");
    expect(response).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      output: [
        {
          status: "incomplete",
          content: [
            { type: "output_text", text: "I" },
            { type: "refusal", refusal: "no" },
          ],
        },
      ],
    });
  });

  it("ends a failed stream with an error event and response.failed", () => {
    const { renderer, events, names } = rendered();
    renderer.event(deltaEvent("", 0, "partial", "", ""));
    renderer.fail(new GatewayError("upstream_unavailable", "the upstream went away"));
    expect(names().slice(-2)).toEqual(["error", "response.failed"]);
    expect(events.at(-2)?.data).toMatchObject({
      code: "upstream_unavailable",
      message: "the upstream went away",
    });
    expect(events.at(-1)?.data).toMatchObject({
      response: {
        status: "failed",
        error: { code: "upstream_unavailable", message: "the upstream went away" },
      },
    });
  });
});
