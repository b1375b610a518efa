import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChatRequestSchema, type StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { EventSink } from "../event-stream.ts";
import { OpenAIStreamMapper } from "./openai-stream.ts";

const request = create(ChatRequestSchema, {
  model: "m",
  messages: [{ content: [{ part: { case: "text", value: "hello there" } }] }],
});

/** A sink that keeps the kinds of the events it got, and `usage` for the closing report. */
function recorder() {
  const events: StreamResponse[] = [];
  const sink: EventSink = { event: (e) => events.push(e), flush() {}, end() {}, fail() {} };
  return { events, sink, kinds: () => events.map((e) => e.event.case) };
}

const chunk = (body: object) => JSON.stringify({ id: "c1", ...body });
const text = (content: string) => chunk({ choices: [{ index: 0, delta: { content } }] });
const finish = (extra: object = {}) => chunk({ choices: [{ index: 0, finish_reason: "stop" }], ...extra });
const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };

describe("the OpenAI stream mapper", () => {
  it("emits each payload's events synchronously and the reported usage (separate chunk) at the end", () => {
    const { sink, kinds, events } = recorder();
    const mapper = new OpenAIStreamMapper("p", request);
    expect(mapper.data(text("Hel"), sink)).toBe(false);
    expect(kinds()).toEqual(["delta"]);
    mapper.data(text("lo"), sink);
    mapper.data(finish(), sink);
    mapper.data(chunk({ choices: [], usage }), sink);
    expect(mapper.data("[DONE]", sink)).toBe(true);
    expect(mapper.end(sink)).toBeUndefined();
    expect(kinds()).toEqual(["delta", "delta", "finish", "usage"]);
    const last = events.at(-1)?.event;
    expect(last?.case === "usage" && last.value.usage?.totalTokens).toBe(7);
    expect(events[0]?.id).toBe("c1");
  });

  it("takes usage from the finish chunk, and needs no [DONE]", () => {
    const { sink, events } = recorder();
    const mapper = new OpenAIStreamMapper("p", request);
    mapper.data(text("Hi"), sink);
    mapper.data(finish({ usage }), sink);
    expect(mapper.end(sink)).toBeUndefined();
    const last = events.at(-1)?.event;
    expect(last?.case === "usage" && last.value.usage?.promptTokens).toBe(5);
  });

  it("estimates usage when the upstream reports none, asynchronously", async () => {
    const { sink, kinds, events } = recorder();
    const mapper = new OpenAIStreamMapper("p", request);
    mapper.data(text("Hi there"), sink);
    mapper.data(finish(), sink);
    const closing = mapper.end(sink);
    expect(closing).toBeInstanceOf(Promise);
    await closing;
    expect(kinds()).toEqual(["delta", "finish", "usage"]);
    const last = events.at(-1)?.event;
    expect(last?.case === "usage" && last.value.usage?.estimated).toBe(true);
  });

  it("fails a stream that ended before every choice finished, never cutting it silently", () => {
    const { sink } = recorder();
    const mapper = new OpenAIStreamMapper("p", request);
    mapper.data(text("Hi"), sink);
    expect(() => mapper.end(sink)).toThrow(expect.objectContaining({ code: "upstream_error" }));
  });

  it("throws upstream_error for an error chunk after the 200 and for a malformed one", () => {
    const { sink } = recorder();
    const mapper = new OpenAIStreamMapper("p", request);
    expect(() => mapper.data(JSON.stringify({ error: { message: "boom" } }), sink)).toThrow(/boom/);
    expect(() => mapper.data("{not json", sink)).toThrow(expect.objectContaining({ code: "upstream_error" }));
  });

  it("maps a stream the same whether its text chunks are read against the last one or parsed whole", () => {
    const texts = fc.oneof(fc.string(), fc.constantFrom(" the", '"', "\\", "\n", "😀", ""));
    const payload = fc.oneof(
      fc.tuple(fc.constantFrom("c1", "c2", ""), fc.nat({ max: 1 }), texts).map(([id, index, content]) =>
        JSON.stringify({
          ...(id ? { id } : {}),
          choices: [{ index, delta: { content }, finish_reason: null }],
        }),
      ),
      fc.constantFrom(
        chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "" } }] }),
        chunk({ choices: [{ index: 0, delta: { reasoning_content: "hmm", content: "" } }] }),
        chunk({
          choices: [
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, id: "t", function: { name: "f", arguments: "{}" } }] },
            },
          ],
        }),
        chunk({ choices: [{ index: 1, delta: { content: "x" }, finish_reason: "length" }] }),
        chunk({ choices: [], usage }),
      ),
    );
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 30 }), (payloads) => {
        const run = (each: string[]) => {
          const { sink, events } = recorder();
          const mapper = new OpenAIStreamMapper("p", request);
          for (const p of each) mapper.data(p, sink);
          let end: unknown;
          try {
            end = mapper.end(sink);
          } catch (error) {
            end = (error as Error).message;
          }
          return { events, end: end instanceof Promise ? "estimating" : end };
        };
        // Trailing spaces (which JSON allows) make every payload's text unlike the one before it, so
        // that none is read against a template: every one is parsed whole.
        const whole = run(payloads.map((p, i) => p + " ".repeat(i + 1)));
        expect(run(payloads)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });
});
