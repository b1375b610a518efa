import { createCall } from "../../core/call.ts";
import type { GatewayServices } from "../../core/services.ts";
import { GatewayError, invalidRequest } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { readJsonBody } from "../../http/json-body.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import { withCacheHeader } from "../cache-mode.ts";
import { setLimitHeaders } from "../limit-headers.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { sendError, sendJson } from "../respond.ts";
import { restRequest, restRoutingHints } from "../rest-call.ts";
import { sendNdjsonEvents } from "./ndjson-events.ts";
import { ollamaErrorBody } from "./ollama-error.ts";
import { OllamaLines } from "./ollama-lines.ts";
import { ollamaModelName } from "./ollama-model-name.ts";
import { parseOllamaChat } from "./parse-ollama-chat.ts";
import { parseOllamaGenerate } from "./parse-ollama-generate.ts";
import { type OllamaEndpoint, renderOllamaAnswer } from "./render-ollama-answer.ts";

/**
 * `POST /api/chat` and `POST /api/generate`: Ollama JSON in, the pipeline,
 * Ollama JSON or NDJSON out. The body is read and parsed inside the pipeline
 * (after auth), like every REST surface's. Errors before the stream starts
 * get the error table's status and `{"error": "..."}`; errors after it a
 * last line `{"error": "..."}`.
 *
 * A request with nothing to generate (no messages, or an empty prompt) is
 * Ollama's way to load a model ahead of use. The gateway loads nothing, so
 * once the caller is authenticated it answers at once with Ollama's
 * `done_reason: "load"` object; the ledger records it as a refused request
 * with no tokens, since no upstream was called.
 */
export async function ollamaGeneration(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
  endpoint: OllamaEndpoint,
): Promise<void> {
  let loadOnly = "";
  const call = createCall({
    ...restRequest(req, res, requestId, services.inFlight),
    surface: "ollama",
    op: "chat",
    stream: false,
    decode: async () => {
      const routing = restRoutingHints(req);
      const body = await readJsonBody(req, limits.bodyLimit, call.signal);
      const parsed = endpoint === "chat" ? parseOllamaChat(body) : parseOllamaGenerate(body);
      const request = parsed.request;
      request.model = ollamaModelName(services.catalog, request.model);
      if (routing !== undefined) request.routing = routing;
      call.chat = withCacheHeader(req, request);
      call.stream = parsed.stream;
      if (request.messages.length === 0) {
        loadOnly = request.model;
        throw invalidRequest("nothing to generate: the request only asks to load the model", "messages");
      }
    },
  });
  try {
    const answer = await services.pipeline(call);
    setLimitHeaders(res, call.limits);
    const model = call.chat?.model ?? "";
    if (answer.kind === "complete") {
      sendJson(res, 200, renderOllamaAnswer(answer.response, model, endpoint));
      return;
    }
    if (answer.kind !== "stream") throw new GatewayError("internal", `unexpected ${answer.kind} answer`);
    await sendNdjsonEvents(answer.events, call, new OllamaLines(model, endpoint), res);
  } catch (error) {
    setLimitHeaders(res, call.limits);
    if (loadOnly) sendJson(res, 200, loadedAnswer(loadOnly, endpoint));
    else sendError(res, error, ollamaErrorBody);
  }
}

/** Ollama's answer to a load request: `done: true` with `done_reason: "load"` and nothing generated. */
function loadedAnswer(model: string, endpoint: OllamaEndpoint): string {
  const created_at = new Date().toISOString();
  const empty = endpoint === "chat" ? { message: { role: "assistant", content: "" } } : { response: "" };
  return JSON.stringify({ model, created_at, ...empty, done: true, done_reason: "load" });
}
