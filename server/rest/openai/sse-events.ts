import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import type { SseWriter } from "../../http/sse-writer.ts";
import type { EventStream } from "../../providers/event-stream.ts";
import { chunkFrames, sendStream } from "../stream-sink.ts";
import { openAIErrorBody } from "./openai-error.ts";

/** What turns canonical events into SSE payloads: chat chunks (stream-chunks.ts) or text completion chunks. */
export interface SseRenderer {
  render(event: StreamResponse): string[];
}

const DONE = ["[DONE]"];

/**
 * Sends a pushed stream as OpenAI SSE chunks and resolves when the response
 * has ended (see stream-sink.ts): the closing events (finish, usage,
 * [DONE]) leave together, in the write that ends the stream; a failure ends
 * it with an error event instead, never with [DONE] after a cut-short
 * stream.
 */
export function sendSseEvents(
  events: EventStream,
  call: Call,
  renderer: SseRenderer,
  sse: SseWriter,
): Promise<void> {
  const format = {
    render: (event: StreamResponse) => renderer.render(event),
    error: openAIErrorBody,
    done: DONE,
  };
  return sendStream(events, call, chunkFrames(format, sse), sse);
}
