import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../core/call.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { SseWriter } from "../http/sse-writer.ts";
import type { EventSink, EventStream } from "../providers/event-stream.ts";

/** Where a surface's stream frames go: SSE (`SseWriter`), or another framing with the same contract. */
export type FrameWriter = Pick<SseWriter, "queue" | "flush" | "writable" | "end">;

/** How one surface turns a canonical stream into frames; each method queues frames on its writer. */
export interface StreamFrames {
  /** Queues the frames of one canonical event (often one, sometimes none). */
  event(event: StreamResponse): void;
  /**
   * Queues the closing frames of a stream that ended cleanly. A promise
   * holds the response open until it settles (Responses stores the answer
   * before `response.completed` leaves); it must queue its own failure.
   */
  end(): void | Promise<void>;
  /** Queues the frames that end a stream cut short. */
  fail(error: GatewayError): void;
}

/**
 * Sends a pushed stream in a surface's framing and resolves when the
 * response has ended. Each upstream chunk's frames leave in one write; when
 * the socket is full the stream is paused (so the upstream socket is too)
 * until the response drains or closes. The closing frames leave in the
 * write that ends the response; a failure (of the upstream, or a deadline or
 * vanished client that fired while the last events were on their way) ends
 * it with the surface's error frames instead, never with a clean end after
 * a cut-short stream.
 */
export function sendStream(
  events: EventStream,
  call: Call,
  frames: StreamFrames,
  writer: FrameWriter,
): Promise<void> {
  return new Promise((resolve) => events.start(new FlowSink(events, call, frames, writer, resolve)));
}

class FlowSink implements EventSink {
  readonly #events: EventStream;
  readonly #call: Call;
  readonly #frames: StreamFrames;
  readonly #writer: FrameWriter;
  readonly #done: () => void;
  #waiting = false;
  #ended = false;

  constructor(events: EventStream, call: Call, frames: StreamFrames, writer: FrameWriter, done: () => void) {
    this.#events = events;
    this.#call = call;
    this.#frames = frames;
    this.#writer = writer;
    this.#done = done;
  }

  event(event: StreamResponse): void {
    this.#frames.event(event);
  }

  flush(): void {
    if (this.#writer.flush() || this.#waiting) return;
    this.#waiting = true;
    this.#events.pause();
    void this.#writer.writable().then(() => {
      this.#waiting = false;
      if (!this.#ended) this.#events.resume();
    });
  }

  end(): void {
    const signal = this.#call.signal;
    if (signal.aborted) {
      this.fail(GatewayError.from(signal.reason));
      return;
    }
    if (this.#ended) return;
    this.#ended = true;
    const closing = this.#frames.end();
    if (closing === undefined) this.#close();
    else closing.then(this.#close, this.#close);
  }

  fail(error: GatewayError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#frames.fail(error);
    this.#close();
  }

  readonly #close = (): void => {
    this.#writer.end();
    this.#done();
  };
}

/** How a surface that renders payloads (OpenAI chunks, Gemini responses) spells its stream. */
export interface ChunkFormat {
  /** The payloads for one canonical event, in order (often one, sometimes none). */
  render(event: StreamResponse): string[];
  /** The last payload of a stream that failed after it started. */
  error(error: GatewayError): string;
  /** Payloads after the usage report's, on a clean end (`[DONE]` for OpenAI; none for Gemini). */
  readonly done: readonly string[];
}

/**
 * Frames for a payload-rendering surface: each event's payloads as they
 * come, except the usage report's, which wait for the end so that they leave
 * (with `done`) in the write that ends the stream.
 */
export function chunkFrames(format: ChunkFormat, writer: FrameWriter): StreamFrames {
  let last: string[] = [];
  return {
    event(event) {
      const payloads = format.render(event);
      if (event.event.case === "usage") last = payloads;
      else if (payloads.length > 0) writer.queue(payloads);
    },
    end() {
      writer.queue(format.done.length === 0 ? last : [...last, ...format.done]);
    },
    fail(error) {
      writer.queue([format.error(error)]);
    },
  };
}
