import { create } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type StreamResponse,
  StreamResponseSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { estimateUsage } from "../../usage/token-estimate.ts";
import type { FramedBody } from "../body-limits.ts";
import { sseData } from "../sse-data.ts";
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
 * Turns a Gemini SSE stream into canonical events: deltas, whole tool calls,
 * one finish per candidate, then the usage event last. A stream that ends
 * before every candidate finished is an error, never a silent cut.
 */
export async function* geminiStreamEvents(
  provider: string,
  body: FramedBody,
  request: ChatRequest,
): AsyncGenerator<StreamResponse> {
  const reader = new GeminiCandidates(provider);
  for await (const data of sseData(body)) yield* reader.push(parseChunk(provider, data));
  reader.end();
  const usage = reader.usage ? usageFromGemini(reader.usage) : await estimateUsage(request, reader.output);
  yield create(StreamResponseSchema, { id: reader.id, event: { case: "usage", value: { usage } } });
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
