import { createCall } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { readJsonBody } from "../../http/json-body.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import { sendError, sendJson } from "../respond.ts";
import { geminiErrorBody } from "./gemini-error.ts";
import { type GeminiExchange, geminiCallInit } from "./gemini-exchange.ts";
import type { GeminiModelRef } from "./gemini-path.ts";
import { parseEmbedRequest } from "./parse-embed-request.ts";

/**
 * `POST /{v1beta,v1}/models/{model}:embedContent` (`{embedding: {values}}`)
 * and `:batchEmbedContents` (`{embeddings: [{values}]}`, in request order):
 * Gemini JSON in, the same pipeline as every embeddings call, Gemini JSON out.
 */
export async function embedContent(
  exchange: GeminiExchange,
  target: GeminiModelRef,
  batch: boolean,
): Promise<void> {
  const { services, limits, req, res } = exchange;
  const call = createCall({
    ...geminiCallInit(exchange, "embed", false),
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
