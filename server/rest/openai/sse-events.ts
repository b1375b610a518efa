import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { SseWriter } from "../../http/sse-writer.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import { openAIErrorBody } from "./openai-error.ts";

/** What turns canonical events into SSE payloads: chat chunks (stream-chunks.ts) or text completion chunks. */
export interface SseRenderer {
  render(event: StreamResponse): string[];
}

/**
 * Sends a pushed stream as OpenAI SSE chunks and resolves when the response
 * has ended. Each upstream chunk's events leave in one write; when the
 * socket is full the stream is paused (so the upstream socket is too) until
 * it drains or closes. The closing events (finish, usage, [DONE]) leave
 * together, in the write that ends the stream; a failure ends it with an
 * error event instead, never with [DONE] after a cut-short stream.
 */
export function sendSseEvents(
  events: EventStream,
  call: Call,
  renderer: SseRenderer,
  sse: SseWriter,
): Promise<void> {
  return new Promise((resolve) => events.start(new SseEvents(events, call, renderer, sse, resolve)));
}

class SseEvents implements EventSink {
  readonly #events: EventStream;
  readonly #call: Call;
  readonly #renderer: SseRenderer;
  readonly #sse: SseWriter;
  readonly #done: () => void;
  #last: string[] = [];
  #waiting = false;
  #ended = false;

  constructor(events: EventStream, call: Call, renderer: SseRenderer, sse: SseWriter, done: () => void) {
    this.#events = events;
    this.#call = call;
    this.#renderer = renderer;
    this.#sse = sse;
    this.#done = done;
  }

  event(event: StreamResponse): void {
    const payloads = this.#renderer.render(event);
    if (event.event.case === "usage") this.#last = payloads;
    else this.#sse.queue(payloads);
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
    this.#last.push("[DONE]");
    this.#close(this.#last);
  }

  fail(error: GatewayError): void {
    this.#close([openAIErrorBody(error)]);
  }

  #close(payloads: string[]): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sse.end(payloads);
    this.#done();
  }
}
