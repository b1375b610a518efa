import { createCall } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import { sendError, sendJson } from "../respond.ts";
import { restRequest } from "../rest-call.ts";
import type { RestLimits } from "./chat-completions.ts";
import { openAIErrorBody } from "./openai-error.ts";
import { parseEmbedRequest } from "./parse-embed-request.ts";
import { renderEmbeddings } from "./render-embeddings.ts";

/**
 * `POST /v1/embeddings`: OpenAI JSON in, the pipeline (the same one as
 * `EmbeddingsService.Embed`), OpenAI JSON out; errors in OpenAI's shape.
 */
export async function embeddings(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  let base64 = false;
  const call = createCall({
    ...restRequest(req, res, requestId, services.inFlight),
    surface: "openai",
    op: "embed",
    stream: false,
    decode: async () => {
      const parsed = parseEmbedRequest(await readJsonBody(req, limits.bodyLimit, call.signal));
      call.embed = parsed.request;
      base64 = parsed.base64;
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    if (answer.kind !== "embed") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    sendJson(res, 200, renderEmbeddings(answer.response, call.embed?.model ?? "", base64));
  } catch (error) {
    setLimitHeaders(res, call.limits);
    sendError(res, error, openAIErrorBody);
  }
}
