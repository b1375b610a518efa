import type { GatewayServices } from "../../core/services.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { type OpenAIChatShape, openAIChatRoute, type RestLimits } from "./chat-completions.ts";
import { parseCompletionRequest } from "./parse-completion-request.ts";
import { renderTextCompletion, TextChunkRenderer } from "./render-text-completion.ts";

const TEXT: OpenAIChatShape = {
  parse: parseCompletionRequest,
  complete: renderTextCompletion,
  chunks: (model, includeUsage, requestId) => new TextChunkRenderer(model, includeUsage, requestId),
};

/**
 * `POST /v1/completions`, OpenAI's legacy text completions, which LangChain's
 * `OpenAI` LLM class and older tools still call: the prompt becomes one user
 * message of a canonical chat request (parse-completion-request.ts), the
 * pipeline runs as for a chat, and the answer goes back as `text_completion`
 * JSON or SSE chunks. Errors are OpenAI's, as on `/v1/chat/completions`.
 */
export function completions(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  return openAIChatRoute(TEXT, services, limits, requestId, req, res);
}
