import type { Call } from "../../core/call.ts";
import type { SseWriter } from "../../http/sse-writer.ts";
import type { EventStream } from "../../providers/event-stream.ts";
import { sendChunks } from "../chunk-stream.ts";
import { openAIErrorBody } from "./openai-error.ts";
import type { ChunkRenderer } from "./stream-chunks.ts";

const DONE = ["[DONE]"];

/**
 * Sends a pushed stream as OpenAI SSE chunks and resolves when the response
 * has ended (see chunk-stream.ts): the closing events (finish, usage,
 * [DONE]) leave together, in the write that ends the stream; a failure ends
 * it with an error event instead, never with [DONE] after a cut-short
 * stream.
 */
export function sendSseEvents(
  events: EventStream,
  call: Call,
  renderer: ChunkRenderer,
  sse: SseWriter,
): Promise<void> {
  return sendChunks(
    events,
    call,
    { render: (event) => renderer.render(event), error: openAIErrorBody, done: DONE },
    sse,
  );
}
