import { createCall } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { SseWriter } from "../../http/sse-writer.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import { sendError, sendJson } from "../respond.ts";
import { restRequest, restRoutingHints } from "../rest-call.ts";
import type { RestLimits } from "./chat-completions.ts";
import { openAIErrorBody } from "./openai-error.ts";
import { parseCompletionRequest } from "./parse-completion-request.ts";
import { renderTextCompletion, TextChunkRenderer } from "./render-text-completion.ts";
import { sendSseEvents } from "./sse-events.ts";

/**
 * `POST /v1/completions`, OpenAI's legacy text completions, which LangChain's
 * `OpenAI` LLM class and older tools still call: the prompt becomes one user
 * message of a canonical chat request, the pipeline runs as for a chat, and
 * the answer goes back as `text_completion` JSON or SSE chunks. Errors are
 * OpenAI's, as on `/v1/chat/completions`.
 */
export async function completions(
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
      const parsed = parseCompletionRequest(await readJsonBody(req, limits.bodyLimit, call.signal), routing);
      call.chat = parsed.request;
      call.stream = parsed.stream;
      includeUsage = parsed.includeUsage;
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    const model = call.chat?.model ?? "";
    if (answer.kind === "complete") {
      sendJson(res, 200, renderTextCompletion(answer.response, model, requestId));
      return;
    }
    if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    const renderer = new TextChunkRenderer(call.served?.model ?? model, includeUsage, requestId);
    const sse = new SseWriter(res);
    sse.open({});
    await sendSseEvents(answer.events, call, renderer, sse);
  } catch (error) {
    setLimitHeaders(res, call.limits);
    sendError(res, error, openAIErrorBody);
  }
}
