import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ChatRequestSchema,
  CompleteResponseSchema,
  Role,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { type Call, createCall } from "../../core/call.ts";
import type { Answer, Next } from "../../core/chain.ts";
import { withEndHooks } from "../../core/end-runner.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import type { AuditRecord, AuditSink } from "../../state/audit-sink.ts";
import type { AuditModes } from "./audit-mode.ts";
import { auditPolicy } from "./audit-policy.ts";

/** A sink that keeps what it is given, for the policy's unit tests. */
function memorySink(): AuditSink & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return {
    records,
    record: (r) => records.push(r),
    lagMs: () => 0,
    query: async () => ({ records, nextPageToken: "" }),
    get: async () => undefined,
    export: async function* () {},
    prune: async () => 0,
    cap: async () => 0,
    close: async () => {},
  };
}

function chatCall(logPayload = true): Call {
  return createCall({
    requestId: "r1",
    surface: "openai",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: performance.now() + 10_000,
    credential: "k",
    op: "chat",
    stream: false,
    logPayload,
    chat: create(ChatRequestSchema, {
      model: "m",
      messages: [
        { role: Role.SYSTEM, content: [{ part: { case: "text", value: "be terse" } }] },
        { role: Role.USER, content: [{ part: { case: "text", value: "mail bob@example.com" } }] },
      ],
      tools: [{ name: "lookup" }],
    }),
  });
}

const unary: Next = async () => ({
  kind: "complete",
  response: create(CompleteResponseSchema, {
    choices: [
      { message: { role: Role.ASSISTANT, toolCalls: [{ id: "t", name: "lookup", arguments: "{}" }] } },
    ],
  }),
});

function run(modes: AuditModes, next: Next, call = chatCall()) {
  const sink = memorySink();
  const pipeline = withEndHooks(auditPolicy(sink, modes)(next), () => {});
  return { sink, answer: pipeline(call), call };
}

/** A stream of the given events, pushed at once when started. */
function streamOf(events: Array<Parameters<typeof create<typeof StreamResponseSchema>>[1]>): Answer {
  const stream: EventStream = {
    start(sink: EventSink) {
      for (const e of events) sink.event(create(StreamResponseSchema, e));
      sink.end();
    },
    pause() {},
    resume() {},
    cancel() {},
  };
  return { kind: "stream", events: stream };
}

describe("auditPolicy", () => {
  it("records a unary call in full: payloads, tools offered and called, the system prompt, a hash", async () => {
    const { sink, answer } = run({ mode: "full", keys: {} }, unary);
    await answer;
    const [r] = sink.records;
    expect(r).toMatchObject({
      status: "ok",
      mode: "full",
      toolsOffered: ["lookup"],
      toolCalls: ["lookup"],
      hasSystemPrompt: true,
    });
    expect(r?.request).toContain("bob@example.com");
    expect(JSON.parse(r?.response ?? "").choices[0].message.toolCalls[0].name).toBe("lookup");
    expect(r?.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("masks the stored copy in redact-pii", async () => {
    const { sink, answer } = run({ mode: "redact-pii", keys: {} }, unary);
    await answer;
    expect(sink.records[0]?.request).toContain("[REDACTED:EMAIL_1]");
    expect(sink.records[0]?.request).not.toContain("bob@example.com");
  });

  it("records a refusal with its code, and keeps no payload in metadata-only", async () => {
    const refused: Next = async () => {
      throw new GatewayError("rate_limited", "slow down");
    };
    const { sink, answer } = run({ mode: "metadata-only", keys: {} }, refused);
    await expect(answer).rejects.toThrow("slow down");
    expect(sink.records[0]).toMatchObject({
      status: "rate_limited",
      request: "",
      response: "",
      mode: "metadata-only",
    });
  });

  it("lowers a payload mode when the caller asked for no payload, and a key set to off records nothing", async () => {
    const lowered = run({ mode: "full", keys: {} }, unary, chatCall(false));
    await lowered.answer;
    expect(lowered.sink.records[0]).toMatchObject({ mode: "metadata-only", request: "" });
    const call = chatCall();
    const off = run(
      { mode: "full", keys: { bot: "off" } },
      async (c) => {
        c.key = { name: "bot", admin: false, priority: 0, team: "" };
        return unary(c);
      },
      call,
    );
    await off.answer;
    expect(off.sink.records).toEqual([]);
  });

  it("assembles a stream from its events, and watches none in metadata-only", async () => {
    const events = [
      { event: { case: "delta" as const, value: { text: "Hel" } } },
      {
        event: {
          case: "toolCall" as const,
          value: { index: 0, id: "c1", name: "lookup", arguments: '{"q":' },
        },
      },
      { event: { case: "delta" as const, value: { text: "lo" } } },
      { event: { case: "toolCall" as const, value: { index: 0, arguments: '"x"}' } } },
      { event: { case: "finish" as const, value: { reason: 1 } } },
      { event: { case: "usage" as const, value: { usage: { promptTokens: 3, completionTokens: 2 } } } },
    ];
    const drain = async (answer: Promise<Answer>) => {
      const a = await answer;
      if (a.kind !== "stream") throw new Error("not a stream");
      a.events.start({ event() {}, flush() {}, end() {}, fail() {} });
    };
    const full = run({ mode: "full", keys: {} }, async () => streamOf(events));
    await drain(full.answer);
    const response = JSON.parse(full.sink.records[0]?.response ?? "");
    expect(response.choices[0]).toMatchObject({
      text: "Hello",
      toolCalls: [{ index: 0, id: "c1", name: "lookup", arguments: '{"q":"x"}' }],
    });
    expect(response.choices[0].finishReason).toMatch(/STOP/);
    expect(full.sink.records[0]?.toolCalls).toEqual(["lookup"]);

    const meta = run({ mode: "metadata-only", keys: {} }, async () => streamOf(events));
    await meta.answer;
    expect(meta.call.end.watchesEvents).toBe(false);
  });
});
