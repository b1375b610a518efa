import type { Gateway } from "../../core/gateway.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { type AnyRequest, parseJsonBody, readBody } from "../../http/read-body.ts";
import { sendError, sendJson } from "../respond.ts";
import { restCall, restCredential } from "../rest-call.ts";
import type { RestLimits } from "./chat-completions.ts";
import { openAIErrorBody } from "./openai-error.ts";
import { parseEmbedRequest } from "./parse-embed-request.ts";
import { renderEmbeddings } from "./render-embeddings.ts";

/**
 * `POST /v1/embeddings`: OpenAI JSON in, the core pipeline (the same one as
 * `EmbeddingsService.Embed`), OpenAI JSON out; errors in OpenAI's shape.
 */
export async function embeddings(gateway: Gateway, limits: RestLimits, req: AnyRequest, res: AnyResponse) {
  try {
    let call = restCall(req, res, "openai", gateway.inFlight);
    call = { ...call, keyName: gateway.authenticate(restCredential(req)) };
    const { request, base64 } = parseEmbedRequest(parseJsonBody(await readBody(req, limits.bodyLimit)));
    const response = await gateway.embed(request, call);
    sendJson(res, 200, renderEmbeddings(response, request.model, base64));
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
}
