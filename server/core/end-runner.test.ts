import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  ChatRequestSchema,
  CompleteResponseSchema,
  Role,
  type StreamResponse,
  StreamResponseSchema,
} from "../../gen/llmgw/v1/chat_pb.js";
import { TokenUsageSchema } from "../../gen/llmgw/v1/usage_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import type { EventStream } from "../providers/event-stream.ts";
import { adHocDeployment } from "../routing/ad-hoc-deployment.ts";
import type { Route } from "../routing/model-router.ts";
import { estimateChatTokens } from "../routing/prompt-size.ts";
import { type Call, createCall } from "./call.ts";
import type { Next, Policy } from "./chain.ts";
import { compose } from "./chain.ts";
import type { Outcome } from "./end-hooks.ts";
import { withEndHooks } from "./end-runner.ts";

const route = adHocDeployment({
  provider: "p",
  model: "m",
  pricing: { input: 1, output: 2, source: "config" },
} as unknown as Route);

function newCall(controller = new AbortController(), stream = false): Call {
  const call = createCall({
    requestId: "r1",
    surface: "test",
    signal: controller.signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream,
  });
  call.served = route;
  return call;
}

/** A policy that records every outcome its call ends with. */
function recording(outcomes: Outcome[]): Policy {
  return (next) => (call) => {
    call.end.onEnd((outcome) => outcomes.push(outcome));
    return next(call);
  };
}

const usage = create(TokenUsageSchema, { promptTokens: 1_000_000, completionTokens: 500_000 });

/** A pushed stream of `list`, then its end (or `fail`); it stops when cancelled. */
function events(list: StreamResponse[], fail?: GatewayError): EventStream {
  let cancelled = false;
  return {
    start(sink) {
      for (const event of list) {
        if (cancelled) return;
        sink.event(event);
      }
      if (cancelled) return;
      sink.flush();
      if (fail !== undefined) sink.fail(fail);
      else sink.end();
    },
    pause() {},
    resume() {},
    cancel() {
      cancelled = true;
    },
  };
}

/** Reads a pushed stream to its end: resolves with its events, rejects with its failure. */
function consume(stream: EventStream, onEvent: (event: StreamResponse) => void = () => {}) {
  return new Promise<StreamResponse[]>((resolve, reject) => {
    const seen: StreamResponse[] = [];
    stream.start({
      event(event) {
        seen.push(event);
        onEvent(event);
      },
      flush() {},
      end: () => resolve(seen),
      fail: reject,
    });
  });
}

const delta = create(StreamResponseSchema, { event: { case: "delta", value: { text: "hi" } } });
const report = create(StreamResponseSchema, { event: { case: "usage", value: { usage } } });

function run(outcomes: Outcome[], terminal: Next) {
  return withEndHooks(compose([recording(outcomes)], terminal), () => {});
}

describe("the end-hook runner", () => {
  it("fires onEnd once when a unary answer returns, with cost, and stamps the gateway metadata", async () => {
    const outcomes: Outcome[] = [];
    const pipeline = run(outcomes, async () => ({
      kind: "complete",
      response: create(CompleteResponseSchema, { usage }),
    }));
    const answer = await pipeline(newCall());
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.status).toBe("ok");
    expect(outcomes[0]?.costUsd).toBe(2);
    if (answer.kind !== "complete") throw new Error("expected a unary answer");
    expect(answer.response.gateway?.provider).toBe("p");
    expect(answer.response.gateway?.costUsd).toBe(2);
    expect(answer.response.gateway?.requestId).toBe("r1");
  });

  it("fires onEnd once with the error's code when the chain throws", async () => {
    const outcomes: Outcome[] = [];
    const pipeline = run(outcomes, async () => {
      throw new GatewayError("upstream_timeout", "too slow");
    });
    await expect(pipeline(newCall())).rejects.toMatchObject({ code: "upstream_timeout" });
    expect(outcomes.map((o) => o.status)).toEqual(["upstream_timeout"]);
    expect(outcomes[0]?.error?.message).toBe("too slow");
  });

  it("turns anything else thrown into `internal`, fired once", async () => {
    const outcomes: Outcome[] = [];
    const pipeline = run(outcomes, async () => {
      throw new TypeError("a bug");
    });
    await expect(pipeline(newCall())).rejects.toMatchObject({ code: "internal" });
    expect(outcomes.map((o) => o.status)).toEqual(["internal"]);
  });

  it("fires onEnd once, after the last event, when a stream ends with its usage report", async () => {
    const outcomes: Outcome[] = [];
    const pipeline = run(outcomes, async () => ({ kind: "stream", events: events([delta, report]) }));
    const answer = await pipeline(newCall(undefined, true));
    if (answer.kind !== "stream") throw new Error("expected a stream");
    const seen = await consume(answer.events, () => expect(outcomes).toHaveLength(0));
    expect(seen).toHaveLength(2);
    expect(outcomes.map((o) => o.status)).toEqual(["ok"]);
    expect(outcomes[0]?.ttftMs).toBeGreaterThan(0);
    const closing = seen[1]?.event;
    expect(closing?.case === "usage" && closing.value.gateway?.costUsd).toBe(2);
  });

  it("fires onEnd once with the error when a stream fails mid-way", async () => {
    const outcomes: Outcome[] = [];
    const failure = new GatewayError("upstream_error", "cut off");
    const pipeline = run(outcomes, async () => ({ kind: "stream", events: events([delta], failure) }));
    const answer = await pipeline(newCall(undefined, true));
    if (answer.kind !== "stream") throw new Error("expected a stream");
    await expect(consume(answer.events)).rejects.toBe(failure);
    expect(outcomes.map((o) => o.status)).toEqual(["upstream_error"]);
  });

  it("fires onEnd once as `cancelled` when the caller stops reading a stream", async () => {
    const outcomes: Outcome[] = [];
    const controller = new AbortController();
    const pipeline = run(outcomes, async () => ({ kind: "stream", events: events([delta, delta, report]) }));
    const answer = await pipeline(newCall(controller, true));
    if (answer.kind !== "stream") throw new Error("expected a stream");
    const seen: StreamResponse[] = [];
    answer.events.start({
      event(event) {
        seen.push(event);
        controller.abort(new GatewayError("cancelled", "the client closed the connection"));
        answer.events.cancel(controller.signal.reason as Error);
      },
      flush() {},
      end() {},
      fail() {},
    });
    expect(seen).toHaveLength(1);
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled"]);
  });

  it("bills a stream the caller stops reading for its prompt and the chunks it was handed", async () => {
    const outcomes: Outcome[] = [];
    const controller = new AbortController();
    const pipeline = run(outcomes, async () => ({
      kind: "stream",
      events: events([delta, delta, delta, delta, report]),
    }));
    const call = newCall(controller, true);
    call.chat = create(ChatRequestSchema, {
      model: "m",
      messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "a".repeat(40) } }] }],
    });
    const answer = await pipeline(call);
    if (answer.kind !== "stream") throw new Error("expected a stream");
    let seen = 0;
    answer.events.start({
      event() {
        if (++seen < 3) return;
        controller.abort(new GatewayError("cancelled", "the client closed the connection"));
        answer.events.cancel(controller.signal.reason as Error);
      },
      flush() {},
      end() {},
      fail() {},
    });
    // 3 framing + 4 per message + 40 chars / 4: the routing estimate of the prompt.
    const prompt = estimateChatTokens(call.chat);
    expect(prompt).toBe(17);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.status).toBe("cancelled");
    expect(outcomes[0]?.usage).toMatchObject({ promptTokens: prompt, completionTokens: 3, estimated: true });
    // Priced at $1 per million prompt tokens and $2 per million completion tokens.
    expect(outcomes[0]?.costUsd).toBeCloseTo((prompt * 1 + 3 * 2) / 1e6, 12);
  });

  it("bills nothing for a stream that fails before its first token", async () => {
    const outcomes: Outcome[] = [];
    const failure = new GatewayError("upstream_error", "cut off");
    const pipeline = run(outcomes, async () => ({ kind: "stream", events: events([], failure) }));
    const call = newCall(undefined, true);
    call.chat = create(ChatRequestSchema, { model: "m" });
    const answer = await pipeline(call);
    if (answer.kind !== "stream") throw new Error("expected a stream");
    await expect(consume(answer.events)).rejects.toBe(failure);
    expect(outcomes[0]?.usage).toBeUndefined();
    expect(outcomes[0]?.costUsd).toBeUndefined();
  });

  it("cancels the upstream and fires onEnd once when the caller leaves before the stream is read", async () => {
    const outcomes: Outcome[] = [];
    const controller = new AbortController();
    let cancelled: Error | undefined;
    const inner: EventStream = {
      start() {
        throw new Error("a stream whose caller left is never started");
      },
      pause() {},
      resume() {},
      cancel(reason) {
        cancelled = reason;
      },
    };
    const pipeline = run(outcomes, async () => ({ kind: "stream", events: inner }));
    const answer = await pipeline(newCall(controller, true));
    if (answer.kind !== "stream") throw new Error("expected a stream");
    controller.abort(new GatewayError("cancelled", "the client closed the connection"));
    expect(cancelled?.message).toBe("the client closed the connection");
    expect(outcomes.map((o) => o.status)).toEqual(["cancelled"]);
    const failures: GatewayError[] = [];
    answer.events.start({ event() {}, flush() {}, end() {}, fail: (error) => failures.push(error) });
    expect(failures.map((f) => f.code)).toEqual(["cancelled"]);
    expect(outcomes).toHaveLength(1);
  });

  it("runs every end hook even when one throws, and reports the failure", async () => {
    const outcomes: Outcome[] = [];
    const reported: unknown[] = [];
    const throwing: Policy = (next) => (call) => {
      call.end.onEnd(() => {
        throw new Error("hook bug");
      });
      return next(call);
    };
    const chain = compose([throwing, recording(outcomes)], async () => ({
      kind: "complete",
      response: create(CompleteResponseSchema),
    }));
    const pipeline = withEndHooks(chain, (error) => reported.push(error));
    await pipeline(newCall());
    expect(outcomes).toHaveLength(1);
    expect(reported).toHaveLength(1);
  });

  it("shows each streamed event to onEvent hooks, only when a policy asks", async () => {
    const seen: string[] = [];
    const watcher: Policy = (next) => (call) => {
      call.end.onEvent((event) => seen.push(event.event.case ?? ""));
      return next(call);
    };
    const pipeline = withEndHooks(
      compose([watcher], async () => ({ kind: "stream", events: events([delta, report]) })),
      () => {},
    );
    const answer = await pipeline(newCall(undefined, true));
    if (answer.kind !== "stream") throw new Error("expected a stream");
    await consume(answer.events);
    expect(seen).toEqual(["delta", "usage"]);
  });
});
