import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { describe, expect, it } from "vitest";
import {
  CacheMode,
  ChatRequestSchema,
  CompleteResponseSchema,
  FinishReason,
  Role,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { TokenUsageSchema } from "../../../gen/llmgw/v1/usage_pb.js";
import { type Call, createCall, type KeyInfo } from "../../core/call.ts";
import { type Answer, compose, type Next, type Policy } from "../../core/chain.ts";
import { withEndHooks } from "../../core/end-runner.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { ReplayedEvents } from "../../providers/completion-events.ts";
import type { EventSink } from "../../providers/event-stream.ts";
import { MemoryCacheStore } from "../../state/memory/memory-cache-store.ts";
import { CacheMetrics } from "../../telemetry/cache-metrics.ts";
import { StoreHealth } from "../store-health.ts";
import { cachePolicy } from "./cache-policy.ts";
import { ExactCache } from "./exact-cache.ts";

const alice: KeyInfo = { name: "alice", admin: false, priority: 0, team: "red" };
const bob: KeyInfo = { name: "bob", admin: false, priority: 0, team: "red" };
const usage = create(TokenUsageSchema, { promptTokens: 5, completionTokens: 3, totalTokens: 8 });

function chatCall(text: string, options: { key?: KeyInfo; stream?: boolean; mode?: CacheMode } = {}): Call {
  const call = createCall({
    requestId: "r",
    surface: "test",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: options.stream ?? false,
  });
  call.key = options.key ?? alice;
  call.chat = create(ChatRequestSchema, {
    model: "m",
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: text } }] }],
    cache: options.mode ?? CacheMode.UNSPECIFIED,
  });
  return call;
}

function completion(text: string, finishReason = FinishReason.STOP, refusal = "") {
  return create(CompleteResponseSchema, {
    id: "c-1",
    model: "m",
    choices: [
      {
        index: 0,
        message: { role: Role.ASSISTANT, content: [{ part: { case: "text", value: text } }], refusal },
        finishReason,
      },
    ],
    usage,
  });
}

/** A next that counts its calls and answers as the call asks: unary, or the same answer as stream events. */
function upstream(answer = completion("the answer")) {
  const seen = { calls: 0 };
  const next: Next = async (call) => {
    seen.calls++;
    if (!call.stream) return { kind: "complete", response: structuredClone(answer) };
    const id = "s-1";
    const events: StreamResponse[] = [
      create(StreamResponseSchema, { id, event: { case: "delta", value: { text: "the " } } }),
      create(StreamResponseSchema, { id, event: { case: "delta", value: { text: "answer" } } }),
      create(StreamResponseSchema, { id, event: { case: "finish", value: { reason: FinishReason.STOP } } }),
      create(StreamResponseSchema, { id, event: { case: "usage", value: { usage } } }),
    ];
    return { kind: "stream", events: new ReplayedEvents(events) };
  };
  return { next, seen };
}

function setup(next: Next, options: { onHit?: Policy; namespace?: "global" | "key" } = {}) {
  const store = new MemoryCacheStore({ maxEntries: 100, maxBytes: 1_000_000 });
  const health = new StoreHealth(pino({ level: "silent" }), true, { store: "cache", whenOpen: "uncached" });
  const metrics = new CacheMetrics();
  const policy = cachePolicy({
    exact: new ExactCache(store, 60_000, health),
    exactLookups: true,
    namespace: options.namespace ?? "global",
    resolveModel: (name) => name,
    bypassKeys: new Set(["batch"]),
    bypassModels: new Set(),
    known: { knows: () => true },
    metrics,
    onHit: options.onHit,
  });
  const run = withEndHooks(compose([policy], next), (error) => {
    throw error;
  });
  return { run, store, metrics, health };
}

/** Reads a stream answer to its end: the events, and how it ended. */
function drain(answer: Answer): Promise<StreamResponse[]> {
  if (answer.kind !== "stream") throw new Error(`expected a stream, got ${answer.kind}`);
  return new Promise((resolve, reject) => {
    const events: StreamResponse[] = [];
    const sink: EventSink = {
      event: (e) => events.push(e),
      flush: () => {},
      end: () => resolve(events),
      fail: reject,
    };
    answer.events.start(sink);
  });
}

/** The store write is off the caller's path: let it land. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const text = (answer: Answer) =>
  answer.kind === "complete" ? answer.response.choices[0]?.message?.content[0]?.part.value : undefined;

describe("the cache policy", () => {
  it("answers a repeated request without calling next, and marks the call as a hit", async () => {
    const { next, seen } = upstream();
    const { run, metrics } = setup(next);
    await run(chatCall("q"));
    await settle();
    const call = chatCall("q");
    const answer = await run(call);
    expect(seen.calls).toBe(1);
    expect(text(answer)).toBe("the answer");
    expect(call.cache).toEqual({ kind: "exact", similarity: 1, costSavedUsd: undefined });
    expect(answer.kind === "complete" && answer.response.gateway?.cacheHit).toBe(true);
    expect(metrics.totals("exact")).toMatchObject({ hits: 1, misses: 1 });
  });

  it("keeps a streamed answer and replays it, unary and streamed, with usage", async () => {
    const { next, seen } = upstream();
    const { run } = setup(next);
    await drain(await run(chatCall("q", { stream: true })));
    await settle();
    expect(text(await run(chatCall("q")))).toBe("the answer");
    const replay = await drain(await run(chatCall("q", { stream: true })));
    expect(seen.calls).toBe(1);
    expect(replay.map((e) => e.event.case)).toEqual(["delta", "finish", "usage"]);
    const last = replay.at(-1)?.event;
    expect(last?.case === "usage" && last.value.usage?.completionTokens).toBe(3);
  });

  it("never keeps an error, a refusal, a filtered answer or one with no finish reason", async () => {
    for (const answer of [
      completion("no", FinishReason.STOP, "I can't help with that"),
      completion("", FinishReason.CONTENT_FILTER),
      completion("partial", FinishReason.UNSPECIFIED),
    ]) {
      const { next, seen } = upstream(answer);
      const { run } = setup(next);
      await run(chatCall("q"));
      await settle();
      await run(chatCall("q"));
      expect(seen.calls).toBe(2);
    }
    let calls = 0;
    const { run } = setup(async () => {
      calls++;
      throw new GatewayError("upstream_error", "boom");
    });
    await expect(run(chatCall("q"))).rejects.toThrow("boom");
    await settle();
    await expect(run(chatCall("q"))).rejects.toThrow("boom");
    expect(calls).toBe(2);
  });

  it("bypasses with the off mode and for a bypassed key; refresh skips the lookup but overwrites", async () => {
    const { next, seen } = upstream();
    const { run, metrics } = setup(next);
    await run(chatCall("q", { mode: CacheMode.OFF }));
    await settle();
    await run(chatCall("q", { key: { ...alice, name: "batch" } }));
    await settle();
    expect(seen.calls).toBe(2);
    expect(metrics.bypasses).toBe(2);
    await run(chatCall("q"));
    await settle();
    const refreshed = chatCall("q", { mode: CacheMode.REFRESH });
    await run(refreshed);
    expect(refreshed.cache).toBeUndefined();
    expect(seen.calls).toBe(4);
  });

  it("keeps namespaces apart when configured per key", async () => {
    const { next, seen } = upstream();
    const { run } = setup(next, { namespace: "key" });
    await run(chatCall("q", { key: alice }));
    await settle();
    await run(chatCall("q", { key: bob }));
    expect(seen.calls).toBe(2);
  });

  it("passes a hit through onHit (the rate limits), which may refuse it", async () => {
    const { next } = upstream();
    let checked = 0;
    const onHit: Policy = (inner) => (call) => {
      checked++;
      if (checked > 1) throw new GatewayError("rate_limited", "slow down");
      return inner(call);
    };
    const { run } = setup(next, { onHit });
    await run(chatCall("q"));
    await settle();
    await run(chatCall("q"));
    await expect(run(chatCall("q"))).rejects.toThrow("slow down");
    expect(checked).toBe(2);
  });

  it("fails open when the store errs: the call goes on and the store is reported degraded", async () => {
    const { next, seen } = upstream();
    const { run, store, health } = setup(next);
    store.get = () => Promise.reject(new Error("down"));
    store.set = () => Promise.reject(new Error("down"));
    expect(text(await run(chatCall("q")))).toBe("the answer");
    await settle();
    expect(health.degraded).toBe(true);
    expect(seen.calls).toBe(1);
  });
});
