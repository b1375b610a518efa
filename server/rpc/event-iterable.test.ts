import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { type StreamResponse, StreamResponseSchema } from "../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import type { EventSink, EventStream } from "../providers/event-stream.ts";
import { eventIterable } from "./event-iterable.ts";

/** A stream the test pushes by hand, recording the flow control it is asked for. */
function manual() {
  const calls: string[] = [];
  let sink: EventSink | undefined;
  const stream: EventStream = {
    start: (s) => {
      sink = s;
      calls.push("start");
    },
    pause: () => calls.push("pause"),
    resume: () => calls.push("resume"),
    cancel: () => calls.push("cancel"),
  };
  const push = (n: number) => {
    for (let i = 0; i < n; i++) sink?.event(delta(i));
  };
  return { calls, stream, push, sink: () => sink as EventSink };
}

const delta = (i: number): StreamResponse =>
  create(StreamResponseSchema, { id: String(i), event: { case: "delta", value: { text: "x" } } });

describe("a pushed stream as an async iterable", () => {
  it("starts on the first next, pauses a consumer that lags and resumes once it caught up", async () => {
    const { calls, stream, push, sink } = manual();
    const iterator = eventIterable(stream)[Symbol.asyncIterator]();
    const first = iterator.next();
    expect(calls).toEqual(["start"]);
    push(1);
    expect((await first).value?.id).toBe("0");
    push(64);
    expect(calls).toEqual(["start", "pause"]);
    const seen: string[] = [];
    for (let i = 0; i < 48; i++) seen.push((await iterator.next()).value?.id ?? "");
    expect(calls).toEqual(["start", "pause", "resume"]);
    expect(seen[0]).toBe("0");
    sink().end();
    let rest = 0;
    while (!(await iterator.next()).done) rest++;
    expect(rest).toBe(16);
  });

  it("throws a failure once the events before it were taken", async () => {
    const { stream, push, sink } = manual();
    const iterator = eventIterable(stream)[Symbol.asyncIterator]();
    const first = iterator.next();
    push(2);
    sink().fail(new GatewayError("upstream_error", "cut off"));
    expect((await first).done).toBe(false);
    expect((await iterator.next()).done).toBe(false);
    await expect(iterator.next()).rejects.toMatchObject({ code: "upstream_error" });
  });

  it("cancels the stream when the consumer leaves the loop early", async () => {
    const { calls, stream, push } = manual();
    for await (const _ of {
      [Symbol.asyncIterator]: () => {
        const it = eventIterable(stream)[Symbol.asyncIterator]();
        queueMicrotask(() => push(3));
        return it;
      },
    }) {
      break;
    }
    expect(calls).toEqual(["start", "cancel"]);
  });
});
