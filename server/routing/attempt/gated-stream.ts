import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import type { Deployment } from "../deployment.ts";
import type { AttemptRun } from "./attempt-run.ts";

/**
 * An attempt's stream, held back until its commit point: the first token.
 * Until then nothing has reached the caller, so a failure (an error event,
 * a drop, the first-token timeout) rejects the attempt and the call can be
 * retried elsewhere. From the first token on the stream belongs to the
 * caller: a failure is a terminal error event, and a gap between upstream
 * chunks longer than the deployment's inter-token timeout is one too.
 *
 * It is the one wrapper an attempt adds to a stream: per event it counts
 * tokens and forwards, per upstream chunk it re-arms the gap timer, and it
 * settles the attempt (slot, breaker, statistics) when the stream is over.
 */
export class GatedStream implements EventStream, EventSink {
  readonly #inner: EventStream;
  readonly #run: AttemptRun;
  #sink: EventSink | undefined;
  /** Events that arrived before the caller's sink did. */
  #held: StreamResponse[] | undefined = [];
  /** The stream ended (true) or failed before the sink arrived. */
  #ending: true | GatewayError | undefined;
  #committed = false;
  #done = false;
  #gap: NodeJS.Timeout | undefined;
  #resolve: ((stream: EventStream) => void) | undefined;
  #reject: ((error: GatewayError) => void) | undefined;

  private constructor(inner: EventStream, run: AttemptRun) {
    this.#inner = inner;
    this.#run = run;
  }

  /** Starts the upstream stream and resolves at its first token, or rejects if it fails before. */
  static open(inner: EventStream, run: AttemptRun): Promise<EventStream> {
    const gate = new GatedStream(inner, run);
    return new Promise<EventStream>((resolve, reject) => {
      gate.#resolve = resolve;
      gate.#reject = reject;
      run.signal.addEventListener("abort", gate.#aborted, { once: true });
      inner.start(gate);
    });
  }

  // The caller's side.

  start(sink: EventSink): void {
    this.#sink = sink;
    const held = this.#held as StreamResponse[];
    this.#held = undefined;
    for (let i = 0; i < held.length; i++) sink.event(held[i] as StreamResponse);
    const ending = this.#ending;
    if (ending === true) this.end();
    else if (ending !== undefined) this.fail(ending);
    else {
      // What the upstream sent meanwhile comes now, synchronously, often with its end: then the held
      // events leave with it in the write that ends the response, not in a write of their own.
      this.#inner.resume();
      if (!this.#done && held.length > 0) sink.flush();
    }
  }

  pause(): void {
    this.#inner.pause();
  }

  resume(): void {
    this.#inner.resume();
  }

  cancel(reason: Error): void {
    if (this.#done) return;
    this.#inner.cancel(reason);
    this.#close(GatewayError.from(reason));
  }

  // The upstream's side.

  /** @private */
  event(event: StreamResponse): void {
    if (this.#done) return;
    const kind = event.event.case;
    if (kind === "delta" || kind === "toolCall") this.#run.tokenArrived();
    const sink = this.#sink;
    if (sink !== undefined) {
      sink.event(event);
      return;
    }
    (this.#held as StreamResponse[]).push(event);
    if (!this.#committed && (kind === "delta" || kind === "toolCall" || kind === "usage")) this.#commit();
  }

  /** @private One upstream chunk is done. */
  flush(): void {
    if (this.#done) return;
    this.#gap?.refresh();
    this.#sink?.flush();
  }

  /** @private */
  end(): void {
    if (this.#done) return;
    if (this.#sink === undefined) {
      this.#ending = true;
      if (!this.#committed) this.#commit();
      return;
    }
    this.#close(undefined);
    this.#sink.end();
  }

  /** @private */
  fail(error: GatewayError): void {
    if (this.#done) return;
    if (!this.#committed) {
      this.#close(error);
      (this.#reject as (error: GatewayError) => void)(error);
      return;
    }
    if (this.#sink === undefined) {
      this.#ending = error;
      return;
    }
    this.#close(error);
    this.#sink.fail(error);
  }

  /** The first token (or a stream that is over without one): hand the stream to the caller. */
  #commit(): void {
    this.#committed = true;
    // Nothing reads until the caller's sink arrives; what is already on its way is held.
    this.#inner.pause();
    const gapMs = this.#run.deployment.timeouts.interTokenMs;
    this.#gap = setTimeout(this.#gapTimedOut, gapMs);
    (this.#resolve as (stream: EventStream) => void)(this);
  }

  #close(error: GatewayError | undefined): void {
    this.#done = true;
    clearTimeout(this.#gap);
    this.#run.signal.removeEventListener("abort", this.#aborted);
    this.#run.settle(error);
  }

  /** The attempt's signal: a timeout of this attempt, or the caller gone. */
  readonly #aborted = (): void => {
    if (this.#done) return;
    const reason = GatewayError.from(this.#run.signal.reason);
    this.#inner.cancel(reason);
    this.fail(reason);
  };

  readonly #gapTimedOut = (): void => {
    this.#run.abort(gapTimeout(this.#run.deployment));
  };
}

/** The error of a stream whose upstream went quiet for longer than the deployment's inter-token timeout. */
export function gapTimeout(deployment: Deployment): GatewayError {
  const { id, provider, timeouts } = deployment;
  return new GatewayError(
    "inter_token_timeout",
    `deployment ${id} sent nothing for ${timeouts.interTokenMs} ms mid-stream`,
    { provider },
  );
}
