import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../core/call.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { SseWriter } from "../http/sse-writer.ts";
import type { EventSink, EventStream } from "../providers/event-stream.ts";

/** How one surface turns a stream into SSE frames; each method queues frames on the surface's writer. */
export interface StreamFrames {
  /** Queues the frames of one canonical event (often one, sometimes none). */
  event(event: StreamResponse): void;
  /** Queues the closing frames of a stream that ended after its usage report. */
  end(): void;
  /** Queues the frames that end a stream cut short. */
  fail(error: GatewayError): void;
}

/**
 * Sends a pushed stream as SSE and resolves when the response has ended.
 * Each upstream chunk's events leave in one write; when the socket is full
 * the stream is paused (so the upstream socket is too) until it drains or
 * closes. The closing frames leave in the write that ends the response; a
 * failure ends it with the surface's error frames instead.
 */
export function sendSseStream(
  events: EventStream,
  call: Call,
  frames: StreamFrames,
  sse: SseWriter,
): Promise<void> {
  return new Promise((resolve) => events.start(new SseSink(events, call, frames, sse, resolve)));
}

class SseSink implements EventSink {
  readonly #events: EventStream;
  readonly #call: Call;
  readonly #frames: StreamFrames;
  readonly #sse: SseWriter;
  readonly #done: () => void;
  #waiting = false;
  #ended = false;

  constructor(events: EventStream, call: Call, frames: StreamFrames, sse: SseWriter, done: () => void) {
    this.#events = events;
    this.#call = call;
    this.#frames = frames;
    this.#sse = sse;
    this.#done = done;
  }

  event(event: StreamResponse): void {
    this.#frames.event(event);
  }

  flush(): void {
    if (this.#sse.flush() || this.#waiting) return;
    this.#waiting = true;
    this.#events.pause();
    void this.#sse.writable().then(() => {
      this.#waiting = false;
      if (!this.#ended) this.#events.resume();
    });
  }

  end(): void {
    // A deadline (or a vanished client) that fired while the last events were on their way still wins.
    const signal = this.#call.signal;
    if (signal.aborted) {
      this.fail(GatewayError.from(signal.reason));
      return;
    }
    if (this.#ended) return;
    this.#frames.end();
    this.#close();
  }

  fail(error: GatewayError): void {
    if (this.#ended) return;
    this.#frames.fail(error);
    this.#close();
  }

  #close(): void {
    this.#ended = true;
    this.#sse.end();
    this.#done();
  }
}
