import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import type { GatewayError } from "../../errors/gateway-error.ts";
import type { SseWriter } from "../../http/sse-writer.ts";
import type { EventStream } from "../../providers/event-stream.ts";
import { type StreamFrames, sendSseStream } from "../sse-stream.ts";
import { openAIErrorBody } from "./openai-error.ts";
import type { ChunkRenderer } from "./stream-chunks.ts";

/**
 * Sends a pushed stream as OpenAI SSE chunks and resolves when the response
 * has ended. The closing events (finish, usage, [DONE]) leave together, in
 * the write that ends the stream; a failure ends it with an error event
 * instead, never with [DONE] after a cut-short stream.
 */
export function sendSseEvents(
  events: EventStream,
  call: Call,
  renderer: ChunkRenderer,
  sse: SseWriter,
): Promise<void> {
  return sendSseStream(events, call, new OpenAIFrames(renderer, sse), sse);
}

class OpenAIFrames implements StreamFrames {
  readonly #renderer: ChunkRenderer;
  readonly #sse: SseWriter;
  #last: string[] = [];

  constructor(renderer: ChunkRenderer, sse: SseWriter) {
    this.#renderer = renderer;
    this.#sse = sse;
  }

  event(event: StreamResponse): void {
    const payloads = this.#renderer.render(event);
    if (event.event.case === "usage") this.#last = payloads;
    else this.#sse.queue(payloads);
  }

  end(): void {
    this.#last.push("[DONE]");
    this.#sse.queue(this.#last);
  }

  fail(error: GatewayError): void {
    this.#sse.queue([openAIErrorBody(error)]);
  }
}
