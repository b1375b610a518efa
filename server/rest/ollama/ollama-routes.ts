import type { GatewayServices } from "../../core/services.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { AnyRequest } from "../../http/read-body.ts";
import type { RestLimits } from "../openai/chat-completions.ts";
import { sendError, sendJson } from "../respond.ts";
import { ollamaEmbed } from "./ollama-embed.ts";
import { ollamaErrorBody } from "./ollama-error.ts";
import { ollamaGeneration } from "./ollama-generation.ts";
import { ollamaRunning, ollamaShow, ollamaTags } from "./ollama-models.ts";

/**
 * The Ollama API version this surface follows, which `/api/version` reports:
 * clients gate features (`think`, tools) on it.
 */
export const OLLAMA_API_VERSION = "0.12.0";

const POST_ROUTES = new Set(["/api/chat", "/api/generate", "/api/embed", "/api/embeddings", "/api/show"]);
const GET_ROUTES = new Set(["/api/tags", "/api/ps", "/api/version"]);

/**
 * The Ollama-compatible routes under `/api/`, answering in Ollama's shape
 * (errors as `{"error": "..."}`). Model management (`pull`, `push`, `create`,
 * `copy`, `delete`, blobs) is not the gateway's: those paths are a 404 that
 * says so.
 */
export function ollamaRoutes(services: GatewayServices, limits: RestLimits) {
  return (req: AnyRequest, res: AnyResponse, path: string, requestId: string): Promise<void> | void => {
    const method = req.method ?? "GET";
    if (POST_ROUTES.has(path)) {
      if (method !== "POST") return notAllowed(res, method, path, "POST");
      switch (path) {
        case "/api/chat":
          return ollamaGeneration(services, limits, requestId, req, res, "chat");
        case "/api/generate":
          return ollamaGeneration(services, limits, requestId, req, res, "generate");
        case "/api/embed":
          return ollamaEmbed(services, limits, requestId, req, res, "embed");
        case "/api/embeddings":
          return ollamaEmbed(services, limits, requestId, req, res, "embeddings");
        default:
          return ollamaShow(services, limits, requestId, req, res);
      }
    }
    if (GET_ROUTES.has(path)) {
      if (method !== "GET" && method !== "HEAD") return notAllowed(res, method, path, "GET");
      if (path === "/api/tags") return ollamaTags(services, requestId, req, res);
      if (path === "/api/ps") return ollamaRunning(services, requestId, req, res);
      return sendJson(res, 200, JSON.stringify({ version: OLLAMA_API_VERSION }));
    }
    sendError(
      res,
      new GatewayError("not_found", `${path} is not served: LLMGW routes to models, it does not manage them`),
      ollamaErrorBody,
    );
  };
}

/** `GET /` and `HEAD /`: the probe Ollama clients (Open WebUI among them) send to find a server. */
export function ollamaProbe(res: AnyResponse): void {
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": "17" });
  res.end("Ollama is running");
}

function notAllowed(res: AnyResponse, method: string, path: string, allowed: string): void {
  res.setHeader("allow", allowed);
  sendError(
    res,
    new GatewayError("method_not_allowed", `${method} is not allowed on ${path}; use ${allowed}`),
    ollamaErrorBody,
  );
}
