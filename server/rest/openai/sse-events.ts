import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { SseWriter } from "../../http/sse-writer.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import { SseFlow } from "../sse-flow.ts";
import { openAIErrorBody } from "./openai-error.ts";
import type { ChunkRenderer } from "./stream-chunks.ts";

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
  renderer: ChunkRenderer,
  sse: SseWriter,
): Promise<void> {
  return new Promise((resolve) => events.start(new SseEvents(events, call, renderer, sse, resolve)));
}

class SseEvents implements EventSink {
  readonly #flow: SseFlow;
  readonly #call: Call;
  readonly #renderer: ChunkRenderer;
  readonly #sse: SseWriter;
  readonly #done: () => void;
  #last: string[] = [];

  constructor(events: EventStream, call: Call, renderer: ChunkRenderer, sse: SseWriter, done: () => void) {
    this.#flow = new SseFlow(events, sse);
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
    this.#flow.flush();
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
    if (this.#flow.ended) return;
    this.#flow.ended = true;
    this.#sse.end(payloads);
    this.#done();
  }
}
