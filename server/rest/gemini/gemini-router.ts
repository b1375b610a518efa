import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { sendError } from "../respond.ts";
import { countTokens } from "./count-tokens.ts";
import { embedContent } from "./embed-content.ts";
import { geminiErrorBody } from "./gemini-error.ts";
import type { GeminiExchange } from "./gemini-exchange.ts";
import { getGeminiModel, listGeminiModels } from "./gemini-models.ts";
import { parseMethodPath, parseModelResource } from "./gemini-path.ts";
import { generateContent } from "./generate-content.ts";

/**
 * Whether a request belongs to the Gemini surface: everything under
 * `/v1beta/`, and on `/v1/` a POST of a model method
 * (`/v1/models/x:generateContent`, `/v1/tunedModels/...`). `GET /v1/models`
 * and `GET /v1/models/{id}` stay OpenAI's unless the caller authenticates
 * the Google way (`x-goog-api-key` or `?key=`), as `@google/genai`, whose
 * default API version is `v1`, does; a POST there that names no Gemini
 * method stays OpenAI's too.
 */
export function isGeminiPath(req: AnyRequest, url: URL): boolean {
  const path = url.pathname;
  if (path.startsWith("/v1beta/")) return true;
  if (!path.startsWith("/v1/")) return false;
  if (req.method === "POST") {
    return (
      path.startsWith("/v1/tunedModels/") ||
      (path.startsWith("/v1/models/") && GEMINI_METHOD_SUFFIX.test(path))
    );
  }
  if (path !== "/v1/models" && !path.startsWith("/v1/models/")) return false;
  return req.headers["x-goog-api-key"] !== undefined || url.searchParams.has("key");
}

const GEMINI_METHOD_SUFFIX =
  /:(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$/;

/** The Gemini surface's routes; every answer, a 404 included, is in Google's error shape. */
export async function geminiRouter(
  services: GatewayServices,
  limits: RestLimits,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname;
  const method = req.method ?? "GET";
  const exchange: GeminiExchange = { services, limits, requestId, req, res, url };
  const tail = path.slice(path.indexOf("/", 1) + 1);
  try {
    if (tail === "models") {
      if (method !== "GET" && method !== "HEAD") return notAllowed(res, method, path, "GET");
      return listGeminiModels(exchange);
    }
    if (!tail.startsWith("models/") && !tail.startsWith("tunedModels/")) {
      throw new GatewayError("not_found", `no route for ${path}`);
    }
    if (method === "GET" || method === "HEAD") {
      return getGeminiModel(exchange, parseModelResource(tail).model);
    }
    const target = parseMethodPath(tail);
    if (target === undefined) return notAllowed(res, method, path, "GET");
    if ("unknownMethod" in target)
      throw new GatewayError("not_found", `no method "${target.unknownMethod}" on ${path}`);
    if (method !== "POST") return notAllowed(res, method, path, "POST");
    switch (target.method) {
      case "generateContent":
        return generateContent(exchange, target, false);
      case "streamGenerateContent":
        return generateContent(exchange, target, true);
      case "countTokens":
        return countTokens(exchange, target);
      case "embedContent":
        return embedContent(exchange, target, false);
      case "batchEmbedContents":
        return embedContent(exchange, target, true);
    }
  } catch (error) {
    req.resume();
    sendError(res, error, geminiErrorBody);
  }
}

function notAllowed(res: AnyResponse, method: string, path: string, allowed: string): void {
  res.setHeader("allow", allowed);
  sendError(
    res,
    new GatewayError("method_not_allowed", `${method} is not allowed on ${path}; use ${allowed}`),
    geminiErrorBody,
  );
}
