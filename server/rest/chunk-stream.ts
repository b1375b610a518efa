import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../core/call.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { SseWriter } from "../http/sse-writer.ts";
import type { EventSink, EventStream } from "../providers/event-stream.ts";

/** Where a surface's stream payloads go: SSE `data:` events, or another framing with the same contract. */
export type ChunkWriter = Pick<SseWriter, "queue" | "flush" | "writable" | "end">;

/** How one surface spells a stream: its payloads per event, its error payload, and what ends a clean stream. */
export interface ChunkFormat {
  /** The payloads for one canonical event, in order (often one, sometimes none). */
  render(event: StreamResponse): string[];
  /** The last payload of a stream that failed after it started. */
  error(error: GatewayError): string;
  /** Payloads after the usage report's, on a clean end (`[DONE]` for OpenAI; none for Gemini). */
  readonly done: readonly string[];
}

/**
 * Sends a pushed stream in a surface's format and resolves when the response
 * has ended. Each upstream chunk's payloads leave in one write; when the
 * socket is full the stream is paused (so the upstream socket is too) until
 * it drains or closes. The closing payloads (the usage report's, then
 * `done`) leave together, in the write that ends the stream; a failure ends
 * it with the error payload instead, never with `done` after a cut-short
 * stream.
 */
export function sendChunks(
  events: EventStream,
  call: Call,
  format: ChunkFormat,
  writer: ChunkWriter,
): Promise<void> {
  return new Promise((resolve) => events.start(new Chunks(events, call, format, writer, resolve)));
}

class Chunks implements EventSink {
  readonly #events: EventStream;
  readonly #call: Call;
  readonly #format: ChunkFormat;
  readonly #writer: ChunkWriter;
  readonly #done: () => void;
  #last: string[] = [];
  #waiting = false;
  #ended = false;

  constructor(events: EventStream, call: Call, format: ChunkFormat, writer: ChunkWriter, done: () => void) {
    this.#events = events;
    this.#call = call;
    this.#format = format;
    this.#writer = writer;
    this.#done = done;
  }

  event(event: StreamResponse): void {
    const payloads = this.#format.render(event);
    if (event.event.case === "usage") this.#last = payloads;
    else if (payloads.length > 0) this.#writer.queue(payloads);
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
    // A deadline (or a vanished client) that fired while the last events were on their way still wins.
    const signal = this.#call.signal;
    if (signal.aborted) {
      this.fail(GatewayError.from(signal.reason));
      return;
    }
    this.#close(this.#format.done.length === 0 ? this.#last : [...this.#last, ...this.#format.done]);
  }

  fail(error: GatewayError): void {
    this.#close([this.#format.error(error)]);
  }

  #close(payloads: string[]): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#writer.end(payloads);
    this.#done();
  }
}
