import { createCall } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { sendError, sendJson } from "../respond.ts";
import { restRequest } from "../rest-call.ts";
import { geminiCredential } from "./gemini-credential.ts";
import { geminiErrorBody } from "./gemini-error.ts";
import type { GeminiModelRef } from "./gemini-path.ts";
import { parseEmbedRequest } from "./parse-embed-request.ts";

/**
 * `POST /{v1beta,v1}/models/{model}:embedContent` (`{embedding: {values}}`)
 * and `:batchEmbedContents` (`{embeddings: [{values}]}`, in request order):
 * Gemini JSON in, the same pipeline as every embeddings call, Gemini JSON out.
 */
export async function embedContent(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
  url: URL,
  target: GeminiModelRef,
  batch: boolean,
): Promise<void> {
  const call = createCall({
    ...restRequest(req, res, requestId, services.inFlight),
    credential: geminiCredential(req, url),
    surface: "gemini",
    op: "embed",
    stream: false,
    decode: async () => {
      call.embed = parseEmbedRequest(
        await readJsonBody(req, limits.bodyLimit, call.signal),
        target.model,
        batch,
      );
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    if (answer.kind !== "embed") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    const vectors = answer.response.embeddings.map((embedding) => ({ values: embedding.values }));
    const body = batch ? { embeddings: vectors } : { embedding: vectors[0] };
    sendJson(res, 200, JSON.stringify(body));
  } catch (error) {
    setLimitHeaders(res, call.limits);
    sendError(res, error, geminiErrorBody);
  }
}
