import type { PassthroughConfig } from "../config/passthrough-schema.ts";
import { requestIdFrom } from "../core/request-id.ts";
import type { GatewayServices } from "../core/services.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import type { AnyResponse } from "../http/cors.ts";
import type { AnyRequest } from "../http/read-body.ts";
import { sendAnthropicError } from "./anthropic/anthropic-error.ts";
import { countTokensRoute } from "./anthropic/count-tokens-route.ts";
import { messagesRoute } from "./anthropic/messages-route.ts";
import { getAnthropicModel, listAnthropicModels } from "./anthropic/models-route.ts";
import { auditExportRoute } from "./audit-export-route.ts";
import { geminiRouter, isGeminiPath } from "./gemini/gemini-router.ts";
import { health, ready } from "./health.ts";
import { ollamaProbe, ollamaRoutes } from "./ollama/ollama-routes.ts";
import { chatCompletions, type RestLimits } from "./openai/chat-completions.ts";
import { completions } from "./openai/completions.ts";
import { embeddings } from "./openai/embeddings.ts";
import { getModel, listModels } from "./openai/models.ts";
import { openAIErrorBody } from "./openai/openai-error.ts";
import { createResponse } from "./openai/responses/create-response.ts";
import { deleteResponse, getResponse } from "./openai/responses/stored-response-routes.ts";
import { passthroughHandler } from "./passthrough/passthrough-handler.ts";
import { sendError } from "./respond.ts";
import { header } from "./rest-call.ts";
import { usageRoute } from "./usage-route.ts";

/** The routes that answer GET only; another method there is a 405, not a 404. */
const GET_ROUTES = new Set(["/health", "/ready", "/metrics", "/v1/models", "/v1/usage", "/v1/audit/export"]);

/**
 * The REST surface: a fixed route table, checked in order of traffic. Every
 * answer, an error or a 404 included, carries the request id.
 */
export function restRouter(services: GatewayServices, limits: RestLimits, passthrough?: PassthroughConfig) {
  const metrics = services.metrics;
  const ollama = ollamaRoutes(services, limits);
  const pass =
    passthrough === undefined ? undefined : passthroughHandler(services, limits.bodyLimit, passthrough);
  return async (req: AnyRequest, res: AnyResponse, url: URL): Promise<void> => {
    const requestId = requestIdFrom(header(req, "x-request-id"));
    res.setHeader("x-request-id", requestId);
    const path = url.pathname;
    const method = req.method ?? "GET";
    // On the raw target, before anything resolves its dot segments: `/anthropic/../v1/...` is refused, not rerouted.
    if (pass?.(req, res, requestId)) return;
    if (path === "/v1/chat/completions") {
      if (method === "POST") return chatCompletions(services, limits, requestId, req, res);
      return notAllowed(res, method, path, "POST");
    }
    if (path === "/v1/messages" || path === "/v1/messages/count_tokens") {
      // Anthropic's SDKs read the request id from `request-id`.
      res.setHeader("request-id", requestId);
      if (method !== "POST") {
        res.setHeader("allow", "POST");
        return sendAnthropicError(res, methodNotAllowed(method, path, "POST"), requestId);
      }
      if (path === "/v1/messages") return messagesRoute(services, limits, requestId, req, res);
      return countTokensRoute(services, limits, requestId, req, res);
    }
    if (path === "/v1/completions") {
      if (method === "POST") return completions(services, limits, requestId, req, res);
      return notAllowed(res, method, path, "POST");
    }
    if (path === "/v1/embeddings") {
      if (method === "POST") return embeddings(services, limits, requestId, req, res);
      return notAllowed(res, method, path, "POST");
    }
    if (path === "/v1/responses") {
      if (method === "POST") return createResponse(services, limits, requestId, req, res);
      return notAllowed(res, method, path, "POST");
    }
    if (path.startsWith("/v1/responses/")) {
      // A response's sub-resources (`input_items`, `cancel`) are not served, and no id holds a slash.
      const tail = path.slice(14);
      const id = tail.includes("/") ? "" : decodeSegment(tail);
      if (id === undefined) return badPath(res, path, "response_id");
      if (id === "" || id.includes("/")) return notFound(res, path);
      if (method === "GET" || method === "HEAD") return getResponse(services, id, requestId, req, res);
      if (method === "DELETE") return deleteResponse(services, id, requestId, req, res);
      return notAllowed(res, method, path, "GET, DELETE");
    }
    if (isGeminiPath(req, url)) return geminiRouter(services, limits, requestId, req, res, url);
    if (path.startsWith("/api/")) return ollama(req, res, path, requestId);
    if (path === "/" && (method === "GET" || method === "HEAD")) return ollamaProbe(res);
    if (method !== "GET" && method !== "HEAD") {
      const known = GET_ROUTES.has(path) || path.startsWith("/v1/models/");
      return known ? notAllowed(res, method, path, "GET") : notFound(res, path);
    }
    if (path === "/health") return health(res);
    if (path === "/ready") return ready(services.readiness, res);
    // Anthropic's clients send `anthropic-version`, and get Anthropic's model list.
    const anthropic = path.startsWith("/v1/models") && header(req, "anthropic-version") !== undefined;
    if (anthropic) res.setHeader("request-id", requestId);
    if (path === "/v1/models") {
      if (anthropic) return listAnthropicModels(services, url, requestId, req, res);
      return listModels(services, requestId, req, res);
    }
    if (path.startsWith("/v1/models/")) {
      const id = decodeSegment(path.slice(11));
      if (id === undefined) return badPath(res, path);
      if (anthropic) return getAnthropicModel(services, id, requestId, req, res);
      return getModel(services, id, requestId, req, res);
    }
    if (path === "/v1/usage") return usageRoute(services, url, requestId, req, res);
    if (path === "/v1/audit/export") return auditExportRoute(services, url, requestId, req, res);
    if (path === "/metrics") {
      const text = await metrics.text();
      res.writeHead(200, { "content-type": metrics.contentType });
      res.end(text);
      return;
    }
    notFound(res, path);
  };
}

/** A percent-decoded path segment, or undefined when its escapes are malformed (`%E0%A4%A`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function badPath(res: AnyResponse, path: string, param = "model"): void {
  sendError(res, invalidRequest(`the path ${path} has a malformed percent-escape`, param), openAIErrorBody);
}

function notFound(res: AnyResponse, path: string): void {
  sendError(res, new GatewayError("not_found", `no route for ${path}`), openAIErrorBody);
}

function notAllowed(res: AnyResponse, method: string, path: string, allowed: string): void {
  res.setHeader("allow", allowed);
  sendError(res, methodNotAllowed(method, path, allowed), openAIErrorBody);
}

function methodNotAllowed(method: string, path: string, allowed: string): GatewayError {
  return new GatewayError("method_not_allowed", `${method} is not allowed on ${path}; use ${allowed}`);
}
