import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { SseWriter } from "../../http/sse-writer.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import type { MessageEventRenderer } from "./message-events.ts";

/**
 * Sends a pushed stream as Anthropic's named events and resolves when the
 * response has ended. Each upstream chunk's events leave in one write; when
 * the socket is full the stream is paused until it drains or closes. A
 * failure ends the stream with an `error` event, never with message_stop.
 */
export function sendMessageEvents(
  events: EventStream,
  call: Call,
  renderer: MessageEventRenderer,
  sse: SseWriter,
): Promise<void> {
  return new Promise((resolve) => events.start(new MessageEventSink(events, call, renderer, sse, resolve)));
}

class MessageEventSink implements EventSink {
  readonly #events: EventStream;
  readonly #call: Call;
  readonly #renderer: MessageEventRenderer;
  readonly #sse: SseWriter;
  readonly #done: () => void;
  #waiting = false;
  #ended = false;

  constructor(
    events: EventStream,
    call: Call,
    renderer: MessageEventRenderer,
    sse: SseWriter,
    done: () => void,
  ) {
    this.#events = events;
    this.#call = call;
    this.#renderer = renderer;
    this.#sse = sse;
    this.#done = done;
  }

  event(event: StreamResponse): void {
    this.#renderer.render(event);
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
    this.#close();
  }

  fail(error: GatewayError): void {
    if (this.#ended) return;
    this.#renderer.fail(error);
    this.#close();
  }

  #close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sse.end();
    this.#done();
  }
}
