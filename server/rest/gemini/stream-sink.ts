import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { SseWriter } from "../../http/sse-writer.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import { geminiErrorBody } from "./gemini-error.ts";
import type { JsonArrayWriter } from "./json-array-writer.ts";
import type { GeminiChunkRenderer } from "./stream-chunks.ts";

/** Where the chunks go: SSE `data:` events (`alt=sse`) or one streamed JSON array. */
export type ChunkWriter = Pick<SseWriter | JsonArrayWriter, "queue" | "flush" | "writable" | "end">;

/**
 * Sends a pushed stream as Gemini chunks and resolves when the response has
 * ended. Each upstream chunk's payloads leave in one write; a full socket
 * pauses the stream until it drains or closes. A failure after the 200 ends
 * the stream with a last `{"error": {...}}` chunk, which `@google/genai`
 * raises; Gemini streams have no end marker, so a clean end is the end of
 * the body after the chunk with the usage.
 */
export function sendGeminiChunks(
  events: EventStream,
  call: Call,
  renderer: GeminiChunkRenderer,
  writer: ChunkWriter,
): Promise<void> {
  return new Promise((resolve) => events.start(new GeminiChunks(events, call, renderer, writer, resolve)));
}

class GeminiChunks implements EventSink {
  readonly #events: EventStream;
  readonly #call: Call;
  readonly #renderer: GeminiChunkRenderer;
  readonly #writer: ChunkWriter;
  readonly #done: () => void;
  #last: string[] = [];
  #waiting = false;
  #ended = false;

  constructor(
    events: EventStream,
    call: Call,
    renderer: GeminiChunkRenderer,
    writer: ChunkWriter,
    done: () => void,
  ) {
    this.#events = events;
    this.#call = call;
    this.#renderer = renderer;
    this.#writer = writer;
    this.#done = done;
  }

  event(event: StreamResponse): void {
    const payloads = this.#renderer.render(event);
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
    this.#close(this.#last);
  }

  fail(error: GatewayError): void {
    this.#close([geminiErrorBody(error)]);
  }

  #close(payloads: string[]): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#writer.end(payloads);
    this.#done();
  }
}
