import type { ChatRequest, CompleteResponse, RoutingHints } from "../../../gen/llmgw/v1/chat_pb.js";
import { createCall } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { SseWriter } from "../../http/sse-writer.ts";
import { withCacheHeader } from "../cache-mode.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import { sendError, sendJson } from "../respond.ts";
import { restRequest, restRoutingHints } from "../rest-call.ts";
import { openAIErrorBody } from "./openai-error.ts";
import { parseChatRequest } from "./parse-chat-request.ts";
import { renderCompletion } from "./render-completion.ts";
import { type SseRenderer, sendSseEvents } from "./sse-events.ts";
import { ChunkRenderer } from "./stream-chunks.ts";

export interface RestLimits {
  readonly bodyLimit: number;
}

/** What makes one of OpenAI's chat-shaped routes: how its body parses and how its answers render. */
export interface OpenAIChatShape {
  parse(
    body: unknown,
    routing: RoutingHints | undefined,
  ): { readonly request: ChatRequest; readonly stream: boolean; readonly includeUsage: boolean };
  complete(response: CompleteResponse, model: string, requestId: string): string;
  chunks(model: string, includeUsage: boolean, requestId: string): SseRenderer;
}

const CHAT: OpenAIChatShape = {
  parse: parseChatRequest,
  complete: (response, model) => renderCompletion(response, model),
  chunks: (model, includeUsage, requestId) => new ChunkRenderer(model, includeUsage, requestId),
};

/** `POST /v1/chat/completions`. */
export function chatCompletions(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  return openAIChatRoute(CHAT, services, limits, requestId, req, res);
}

/**
 * An OpenAI chat-shaped route (`/v1/chat/completions`, the legacy
 * `/v1/completions`): OpenAI JSON in, the pipeline, OpenAI JSON or SSE out.
 * The body is read and parsed inside the pipeline (after auth), so a
 * malformed one is accounted like any refusal. Errors before the stream
 * starts get a status and an OpenAI error body; errors after it get a final
 * `data: {"error": ...}` event.
 */
export async function openAIChatRoute(
  shape: OpenAIChatShape,
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  let includeUsage = false;
  const call = createCall({
    ...restRequest(req, res, requestId, services.inFlight),
    surface: "openai",
    op: "chat",
    stream: false,
    decode: async () => {
      const routing = restRoutingHints(req);
      const parsed = shape.parse(await readJsonBody(req, limits.bodyLimit, call.signal), routing);
      call.chat = withCacheHeader(req, parsed.request);
      call.stream = parsed.stream;
      includeUsage = parsed.includeUsage;
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    const model = call.chat?.model ?? "";
    if (answer.kind === "complete") {
      sendJson(res, 200, shape.complete(answer.response, model, requestId));
      return;
    }
    if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    const renderer = shape.chunks(call.served?.model ?? model, includeUsage, requestId);
    const sse = new SseWriter(res);
    sse.open({});
    await sendSseEvents(answer.events, call, renderer, sse);
  } catch (error) {
    setLimitHeaders(res, call.limits);
    sendError(res, error, openAIErrorBody);
  }
}
