import type { EmbedResponse } from "../../../gen/llmgw/v1/embeddings_pb.js";
import { createCall } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError, invalidRequest } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { sendError, sendJson } from "../respond.ts";
import { restRequest } from "../rest-call.ts";
import { ollamaErrorBody } from "./ollama-error.ts";
import { ollamaModelName } from "./ollama-model-name.ts";
import { ollamaTimings } from "./ollama-timings.ts";
import { type OllamaEmbedEndpoint, parseOllamaEmbed } from "./parse-ollama-embed.ts";

/**
 * `POST /api/embed` and `POST /api/embeddings`: Ollama JSON in, the same
 * pipeline as `/v1/embeddings`, Ollama JSON out (`embeddings` a list of
 * vectors, or `embedding` one vector on the older endpoint).
 *
 * A request with no input is Ollama's way to load an embedding model: once
 * the caller is authenticated it is answered at once with no vectors, and
 * accounted as refused with no tokens, as the chat surface's load requests.
 */
export async function ollamaEmbed(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
  endpoint: OllamaEmbedEndpoint,
): Promise<void> {
  let loadOnly = "";
  const call = createCall({
    ...restRequest(req, res, requestId, services.inFlight),
    surface: "ollama",
    op: "embed",
    stream: false,
    decode: async () => {
      const request = parseOllamaEmbed(await readJsonBody(req, limits.bodyLimit, call.signal), endpoint);
      request.model = ollamaModelName(services.catalog, request.model);
      call.embed = request;
      if (request.inputs.length === 0) {
        loadOnly = request.model;
        throw invalidRequest("nothing to embed: the request only asks to load the model", "input");
      }
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    if (answer.kind !== "embed") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    sendJson(res, 200, renderOllamaEmbed(answer.response, call.embed?.model ?? "", endpoint));
  } catch (error) {
    setLimitHeaders(res, call.limits);
    if (loadOnly) sendJson(res, 200, loadedAnswer(loadOnly, endpoint));
    else sendError(res, error, ollamaErrorBody);
  }
}

/** Ollama's answer to a load request: no vectors. */
function loadedAnswer(model: string, endpoint: OllamaEmbedEndpoint): string {
  return JSON.stringify(endpoint === "embeddings" ? { embedding: [] } : { model, embeddings: [] });
}

function renderOllamaEmbed(response: EmbedResponse, model: string, endpoint: OllamaEmbedEndpoint): string {
  const vectors = response.embeddings.map((embedding) => embedding.values);
  if (endpoint === "embeddings") return JSON.stringify({ embedding: vectors[0] ?? [] });
  const { total_duration, load_duration, prompt_eval_count } = ollamaTimings(
    response.usage,
    response.gateway,
  );
  return JSON.stringify({ model, embeddings: vectors, total_duration, load_duration, prompt_eval_count });
}
