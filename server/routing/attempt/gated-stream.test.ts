import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { type StreamResponse, StreamResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { ProviderAdapter } from "../../providers/adapter.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import { adHocDeployment } from "../ad-hoc-deployment.ts";
import { AttemptRun } from "./attempt-run.ts";
import { GatedStream } from "./gated-stream.ts";

const delta = (text: string): StreamResponse =>
  create(StreamResponseSchema, { event: { case: "delta", value: { text } } });
const usage = (): StreamResponse => create(StreamResponseSchema, { event: { case: "usage", value: {} } });

/** An upstream stream the test pushes by hand. */
class HandStream implements EventStream {
  sink: EventSink | undefined;
  paused = false;
  cancelled: Error | undefined;
  start(sink: EventSink): void {
    this.sink = sink;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  cancel(reason: Error): void {
    this.cancelled = reason;
  }
}

/** A caller's sink that records what it heard. */
function recorder() {
  const heard: string[] = [];
  const sink: EventSink = {
    event: (e) => heard.push(e.event.case === "delta" ? `delta:${e.event.value.text}` : String(e.event.case)),
    flush: () => heard.push("flush"),
    end: () => heard.push("end"),
    fail: (error) => heard.push(`fail:${error.code}`),
  };
  return { heard, sink };
}

function attempt(timeouts = { totalMs: 5_000, ttftMs: 2_000, interTokenMs: 2_000, unaryFirstByteMs: 5_000 }) {
  const deployment = adHocDeployment(
    { adapter: {} as ProviderAdapter, provider: "p", model: "m", pricing: undefined },
    timeouts,
  );
  const settled: Array<string> = [];
  const run = new AttemptRun(new AbortController().signal, "r1", deployment, true);
  run.onSettle((error) => settled.push(error?.code ?? "ok"));
  return { run, settled };
}

describe("a stream held to its first token", () => {
  it("resolves at the first token and hands the caller everything in order", async () => {
    const upstream = new HandStream();
    const { run, settled } = attempt();
    const opened = GatedStream.open(upstream, run);
    upstream.sink?.event(delta("a"));
    const stream = await opened;
    // Events that arrive before the caller starts reading are held, and the upstream is paused meanwhile.
    upstream.sink?.event(delta("b"));
    expect(upstream.paused).toBe(true);
    const { heard, sink } = recorder();
    stream.start(sink);
    expect(upstream.paused).toBe(false);
    upstream.sink?.event(usage());
    upstream.sink?.flush();
    upstream.sink?.end();
    expect(heard).toEqual(["delta:a", "delta:b", "flush", "usage", "flush", "end"]);
    expect(settled).toEqual(["ok"]);
    expect(run.tokenEvents).toBe(2);
  });

  it("lets the held events leave with the rest when the upstream already sent it, in one write", async () => {
    // An upstream whose answer arrived whole: resuming it delivers the rest and its end at once.
    class WholeStream extends HandStream {
      override resume(): void {
        super.resume();
        this.sink?.event(delta("b"));
        this.sink?.event(usage());
        this.sink?.end();
      }
    }
    const upstream = new WholeStream();
    const { run, settled } = attempt();
    const opened = GatedStream.open(upstream, run);
    upstream.sink?.event(delta("a"));
    const stream = await opened;
    const { heard, sink } = recorder();
    stream.start(sink);
    expect(heard).toEqual(["delta:a", "delta:b", "usage", "end"]);
    expect(settled).toEqual(["ok"]);
  });

  it("flushes the held events at once when nothing more has come, so the first token does not wait", async () => {
    const upstream = new HandStream();
    const { run } = attempt();
    const opened = GatedStream.open(upstream, run);
    upstream.sink?.event(delta("a"));
    const stream = await opened;
    const { heard, sink } = recorder();
    stream.start(sink);
    expect(heard).toEqual(["delta:a", "flush"]);
  });

  it("rejects the attempt when the upstream fails before the first token, so it can be retried", async () => {
    const upstream = new HandStream();
    const { run, settled } = attempt();
    const opened = GatedStream.open(upstream, run);
    upstream.sink?.fail(new GatewayError("upstream_error", "dropped"));
    await expect(opened).rejects.toMatchObject({ code: "upstream_error" });
    expect(settled).toEqual(["upstream_error"]);
  });

  it("rejects with first_token_timeout, and stops the upstream, when no token comes in time", async () => {
    const upstream = new HandStream();
    const { run, settled } = attempt({
      totalMs: 5_000,
      ttftMs: 30,
      interTokenMs: 2_000,
      unaryFirstByteMs: 5_000,
    });
    const opened = GatedStream.open(upstream, run);
    await expect(opened).rejects.toMatchObject({ code: "first_token_timeout" });
    expect(upstream.cancelled).toBeInstanceOf(GatewayError);
    expect(settled).toEqual(["first_token_timeout"]);
  });

  it("ends a committed stream with an error event when it goes quiet past the inter-token timeout", async () => {
    const upstream = new HandStream();
    const { run, settled } = attempt({
      totalMs: 5_000,
      ttftMs: 2_000,
      interTokenMs: 40,
      unaryFirstByteMs: 5_000,
    });
    const opened = GatedStream.open(upstream, run);
    upstream.sink?.event(delta("a"));
    upstream.sink?.flush();
    const { heard, sink } = recorder();
    (await opened).start(sink);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(heard).toEqual(["delta:a", "flush", "fail:inter_token_timeout"]);
    expect(upstream.cancelled).toBeInstanceOf(GatewayError);
    expect(settled).toEqual(["inter_token_timeout"]);
  });

  it("passes a failure after the first token to the caller as a terminal error, not a retry", async () => {
    const upstream = new HandStream();
    const { run, settled } = attempt();
    const opened = GatedStream.open(upstream, run);
    upstream.sink?.event(delta("a"));
    const { heard, sink } = recorder();
    (await opened).start(sink);
    upstream.sink?.fail(new GatewayError("upstream_error", "dropped mid-stream"));
    expect(heard).toEqual(["delta:a", "flush", "fail:upstream_error"]);
    expect(settled).toEqual(["upstream_error"]);
  });

  it("settles as cancelled, stopping the upstream, when the caller stops reading", async () => {
    const upstream = new HandStream();
    const { run, settled } = attempt();
    const opened = GatedStream.open(upstream, run);
    upstream.sink?.event(delta("a"));
    const stream = await opened;
    stream.start(recorder().sink);
    stream.cancel(new GatewayError("cancelled", "gone"));
    expect(upstream.cancelled).toBeInstanceOf(GatewayError);
    expect(settled).toEqual(["cancelled"]);
  });

  it("ends a committed stream with upstream_timeout when the whole attempt outlasts its total timeout", async () => {
    const upstream = new HandStream();
    const { run, settled } = attempt({ totalMs: 80, ttftMs: 30, interTokenMs: 2_000, unaryFirstByteMs: 80 });
    const opened = GatedStream.open(upstream, run);
    upstream.sink?.event(delta("a"));
    const { heard, sink } = recorder();
    (await opened).start(sink);
    // Tokens keep coming, so neither the first-token nor the gap clock fires; the total one does.
    const ticker = setInterval(() => {
      upstream.sink?.event(delta("b"));
      upstream.sink?.flush();
    }, 10);
    await new Promise((resolve) => setTimeout(resolve, 160));
    clearInterval(ticker);
    expect(heard.at(-1)).toBe("fail:upstream_timeout");
    expect(settled).toEqual(["upstream_timeout"]);
  });
});
