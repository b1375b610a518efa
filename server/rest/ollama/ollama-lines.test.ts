import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { FinishReason, type StreamResponse, StreamResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { OllamaLines } from "./ollama-lines.ts";

type Event = MessageInitShape<typeof StreamResponseSchema>["event"];
const ev = (event: Event, choiceIndex = 0): StreamResponse =>
  create(StreamResponseSchema, { choiceIndex, event });
const usage = ev({
  case: "usage",
  value: {
    usage: { promptTokens: 4, completionTokens: 2, totalTokens: 6 },
    gateway: { requestId: "r", latencyMs: 30, ttftMs: 10, queueMs: 2 },
  },
});

describe("Ollama NDJSON lines", () => {
  it("renders chat deltas, then a done line with counts and nanosecond durations", () => {
    const lines = new OllamaLines('m "q"', "chat");
    const [first] = lines.render(ev({ case: "delta", value: { text: 'a "b"\n', reasoning: "think" } }));
    expect(JSON.parse(first as string)).toMatchObject({
      model: 'm "q"',
      message: { role: "assistant", content: 'a "b"\n', thinking: "think" },
      done: false,
    });
    expect(lines.render(ev({ case: "delta", value: { text: "x" } }, 1))).toEqual([]);
    expect(lines.render(ev({ case: "finish", value: { reason: FinishReason.LENGTH } }))).toEqual([]);
    const [last] = lines.render(usage).map((line) => JSON.parse(line));
    expect(last).toMatchObject({
      message: { role: "assistant", content: "" },
      done: true,
      done_reason: "length",
      prompt_eval_count: 4,
      eval_count: 2,
      total_duration: 30e6,
      load_duration: 2e6,
      prompt_eval_duration: 8e6,
      eval_duration: 20e6,
    });
    expect(last["x-llmgw"].request_id).toBe("r");
  });

  it("renders generate deltas as response", () => {
    const lines = new OllamaLines("m", "generate");
    const [line] = lines.render(ev({ case: "delta", value: { text: "hi" } }));
    expect(JSON.parse(line as string)).toMatchObject({ response: "hi", done: false });
    expect(JSON.parse(lines.render(usage)[0] as string)).toMatchObject({
      response: "",
      done: true,
      done_reason: "stop",
    });
  });

  it("gathers tool-call fragments into whole calls with object arguments, sent before the done line", () => {
    const lines = new OllamaLines("m", "chat");
    lines.render(
      ev({ case: "toolCall", value: { index: 0, id: "c1", name: "get_weather", arguments: '{"ci' } }),
    );
    lines.render(ev({ case: "toolCall", value: { index: 0, arguments: 'ty":"Paris"}' } }));
    lines.render(ev({ case: "finish", value: { reason: FinishReason.TOOL_CALLS } }));
    const [calls, last] = lines.render(usage).map((line) => JSON.parse(line));
    expect(calls.message.tool_calls).toEqual([
      { id: "c1", function: { name: "get_weather", arguments: { city: "Paris" } } },
    ]);
    expect(calls.done).toBe(false);
    expect(last).toMatchObject({ done: true, done_reason: "stop" });
  });

  it("refuses tool-call arguments that are not a JSON object", () => {
    const lines = new OllamaLines("m", "chat");
    lines.render(ev({ case: "toolCall", value: { index: 0, id: "c1", name: "f", arguments: "[1]" } }));
    expect(() => lines.render(usage)).toThrow(/not a JSON object/);
  });
});
