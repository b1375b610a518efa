import type { GatewayError } from "../errors/gateway-error.ts";
import type { AnyResponse } from "../http/cors.ts";
import type { AnyRequest } from "../http/read-body.ts";
import { sendAnthropicError } from "./anthropic/anthropic-error.ts";
import { geminiErrorBody } from "./gemini/gemini-error.ts";
import { isGeminiPath } from "./gemini/gemini-router.ts";
import { ollamaErrorBody } from "./ollama/ollama-error.ts";
import { openAIErrorBody } from "./openai/openai-error.ts";
import { sendError } from "./respond.ts";

/**
 * Sends an error the server raised before the REST router saw the request
 * (a body that did not arrive in time, headers too slow) in the shape of
 * the surface the path belongs to: Anthropic's for `/v1/messages`, Google's
 * for the Gemini paths, Ollama's for `/api/*`, OpenAI's otherwise.
 */
export function sendRestErrorFor(req: AnyRequest, res: AnyResponse, error: GatewayError): void {
  const url = new URL(req.url ?? "/", "http://gateway");
  const path = url.pathname;
  if (path === "/v1/messages" || path.startsWith("/v1/messages/")) {
    const requestId = res.getHeader("x-request-id");
    sendAnthropicError(res, error, typeof requestId === "string" ? requestId : "");
  } else if (isGeminiPath(req, url)) sendError(res, error, geminiErrorBody);
  else if (path.startsWith("/api/")) sendError(res, error, ollamaErrorBody);
  else sendError(res, error, openAIErrorBody);
}
