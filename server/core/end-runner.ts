import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import type { EventSink, EventStream } from "../providers/event-stream.ts";
import type { Call } from "./call.ts";
import type { Answer, Next } from "./chain.ts";
import { consumedUsage } from "./consumed-usage.ts";
import type { Outcome } from "./end-hooks.ts";
import { gatewayMetadata } from "./gateway-metadata.ts";
import { elapsed, failed, stopped, succeeded } from "./outcome.ts";
import { RawEndOnFinish } from "./raw-end.ts";

/** The whole pipeline, as surfaces call it. */
export type Pipeline = (call: Call) => Promise<Answer>;

/** Where a hook's own failure is reported; it never reaches the caller. */
export type HookErrorReporter = (error: unknown, call: Call) => void;

/**
 * Wraps the policy chain in the one end-hook runner. Whatever happens inside
 * the chain, the call's end hooks fire exactly once, with one Outcome: when a
 * unary answer returns, when a stream ends (after its last event, on an
 * error, or when the caller stops reading), or when anything throws. It also
 * stamps the gateway metadata (latency, ttft, cost) on the answer, since the
 * caller sees it whichever policies run.
 */
export function withEndHooks(chain: Next, reportHookError: HookErrorReporter): Pipeline {
  const finish = (call: Call, outcome: Outcome) => {
    const failure = call.end.fire(outcome, call);
    if (failure !== undefined) reportHookError(failure, call);
  };
  return async (call) => {
    let answer: Answer;
    try {
      answer = await chain(call);
    } catch (error) {
      const failure = GatewayError.from(error);
      finish(call, failed(call, failure, 0));
      throw failure;
    }
    if (answer.kind === "stream")
      return { kind: "stream", events: new EndOnFinish(call, answer.events, finish) };
    if (answer.kind === "raw") return { ...answer, body: new RawEndOnFinish(call, answer, finish) };
    const latencyMs = elapsed(call);
    const outcome = succeeded(
      call,
      answer.response.usage,
      latencyMs,
      answer.kind === "complete" ? latencyMs : 0,
    );
    answer.response.gateway = gatewayMetadata(call, outcome);
    finish(call, outcome);
    return answer;
  };
}

/**
 * Wraps a stream once: times the first token, stamps the closing
 * UsageReport, shows each event to the onEvent hooks and fires the end hooks
 * however the stream ends (after its last event has been handed on, on an
 * error, or when the consumer cancels). Every event passes it as one
 * synchronous call, however many policies watch it.
 */
class EndOnFinish implements EventStream, EventSink {
  readonly #call: Call;
  readonly #inner: EventStream;
  readonly #finish: (call: Call, outcome: Outcome) => void;
  readonly #watched: boolean;
  #sink: EventSink | undefined;
  #ttftMs = 0;
  /** Content and tool-call chunks handed on: what a stream cut short is billed for. */
  #chunks = 0;
  #outcome: Outcome | undefined;
  #done = false;

  constructor(call: Call, inner: EventStream, finish: (call: Call, outcome: Outcome) => void) {
    this.#call = call;
    this.#inner = inner;
    this.#finish = finish;
    this.#watched = call.end.watchesEvents;
    // A caller that leaves before the surface starts reading must still stop the upstream and be accounted.
    call.signal.addEventListener("abort", this.#abortedBeforeStart, { once: true });
  }

  start(sink: EventSink): void {
    this.#call.signal.removeEventListener("abort", this.#abortedBeforeStart);
    if (this.#done) {
      sink.fail(stopped(this.#call));
      return;
    }
    this.#sink = sink;
    this.#inner.start(this);
  }

  readonly #abortedBeforeStart = (): void => {
    if (this.#sink === undefined) this.cancel(stopped(this.#call));
  };

  pause(): void {
    this.#inner.pause();
  }

  resume(): void {
    this.#inner.resume();
  }

  cancel(reason: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#inner.cancel(reason);
    // No usage report yet: the caller stopped reading.
    const call = this.#call;
    this.#finish(call, this.#outcome ?? this.#cutShort(stopped(call)));
  }

  /** @private The inner stream's sink. */
  event(event: StreamResponse): void {
    if (this.#done) return;
    const call = this.#call;
    const kind = event.event.case;
    if (kind === "delta" || kind === "toolCall") {
      if (this.#ttftMs === 0) this.#ttftMs = elapsed(call);
      this.#chunks++;
    }
    if (kind === "usage") {
      const report = event.event.value;
      const latencyMs = elapsed(call);
      const ttftMs = this.#ttftMs === 0 ? latencyMs : this.#ttftMs;
      this.#outcome = succeeded(call, report.usage, latencyMs, ttftMs);
      report.gateway = gatewayMetadata(call, this.#outcome);
    }
    if (this.#watched) call.end.event(event, call);
    (this.#sink as EventSink).event(event);
  }

  /** @private */
  flush(): void {
    if (!this.#done) (this.#sink as EventSink).flush();
  }

  /** @private */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    const call = this.#call;
    // Ended without a usage report: a stream that ended short, which is a gateway bug.
    const outcome = this.#outcome ?? this.#cutShort(stopped(call));
    // The caller's last bytes leave first; the hooks' bookkeeping need not delay them.
    try {
      (this.#sink as EventSink).end();
    } finally {
      this.#finish(call, outcome);
    }
  }

  /** @private */
  fail(error: GatewayError): void {
    if (this.#done) return;
    this.#done = true;
    const failure = GatewayError.from(error);
    const call = this.#call;
    const outcome = this.#outcome ?? this.#cutShort(failure);
    try {
      (this.#sink as EventSink).fail(failure);
    } finally {
      this.#finish(call, outcome);
    }
  }

  /** The outcome of a stream that stopped before its usage report: billed for what it streamed. */
  #cutShort(error: GatewayError): Outcome {
    return failed(this.#call, error, this.#ttftMs, consumedUsage(this.#call, this.#chunks));
  }
}
