import type { ChatRequest, StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { EventSink, StreamMapper } from "../event-stream.ts";
import { closeWithUsage } from "../stream-end.ts";
import { GeminiCandidates } from "./gemini-candidates.ts";
import { usageFromGemini } from "./gemini-usage.ts";
import type { GeminiResponse } from "./gemini-wire-types.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content,
 * `models.streamGenerateContent` with `alt=sse`): server-sent events with bare
 * `data:` lines, each a partial `GenerateContentResponse`, no event names and
 * no `[DONE]`; the stream simply ends after the chunk that carries the
 * `finishReason` (usually with the final `usageMetadata`).
 */

/**
 * Turns a Gemini SSE stream into canonical events, one `data` payload at a
 * time: deltas, whole tool calls, one finish per candidate, then the usage
 * event last. A stream that ends before every candidate finished is an
 * error, never a silent cut.
 */
export class GeminiStreamMapper implements StreamMapper {
  readonly #provider: string;
  readonly #request: ChatRequest;
  readonly #reader: GeminiCandidates;

  constructor(provider: string, request: ChatRequest) {
    this.#provider = provider;
    this.#request = request;
    this.#reader = new GeminiCandidates(provider);
  }

  data(payload: string, sink: EventSink): boolean {
    const events = this.#reader.push(parseChunk(this.#provider, payload));
    for (let i = 0; i < events.length; i++) sink.event(events[i] as StreamResponse);
    return false;
  }

  end(sink: EventSink): Promise<void> | undefined {
    const reader = this.#reader;
    reader.end();
    const usage = reader.usage === undefined ? undefined : usageFromGemini(reader.usage);
    return closeWithUsage(sink, reader.id, usage, this.#request, reader.output);
  }
}

function parseChunk(provider: string, data: string): GeminiResponse {
  try {
    return JSON.parse(data) as GeminiResponse;
  } catch {
    throw new GatewayError("upstream_error", `upstream ${provider} sent a chunk that is not JSON`, {
      provider,
    });
  }
}
