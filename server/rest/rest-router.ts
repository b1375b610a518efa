import type { PassthroughConfig } from "../config/passthrough-schema.ts";
import { requestIdFrom } from "../core/request-id.ts";
import type { GatewayServices } from "../core/services.ts";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import type { AnyResponse } from "../http/cors.ts";
import type { AnyRequest } from "../http/read-body.ts";
import { health, ready } from "./health.ts";
import { chatCompletions, type RestLimits } from "./openai/chat-completions.ts";
import { embeddings } from "./openai/embeddings.ts";
import { getModel, listModels } from "./openai/models.ts";
import { openAIErrorBody } from "./openai/openai-error.ts";
import { passthroughHandler } from "./passthrough/passthrough-handler.ts";
import { sendError } from "./respond.ts";
import { header } from "./rest-call.ts";
import { usageRoute } from "./usage-route.ts";

/** The routes that answer GET only; another method there is a 405, not a 404. */
const GET_ROUTES = new Set(["/health", "/ready", "/metrics", "/v1/models", "/v1/usage"]);

/**
 * The REST surface: a fixed route table, checked in order of traffic. Every
 * answer, an error or a 404 included, carries the request id.
 */
export function restRouter(services: GatewayServices, limits: RestLimits, passthrough?: PassthroughConfig) {
  const metrics = services.metrics;
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
    if (path === "/v1/embeddings") {
      if (method === "POST") return embeddings(services, limits, requestId, req, res);
      return notAllowed(res, method, path, "POST");
    }
    if (method !== "GET" && method !== "HEAD") {
      const known = GET_ROUTES.has(path) || path.startsWith("/v1/models/");
      return known ? notAllowed(res, method, path, "GET") : notFound(res, path);
    }
    if (path === "/health") return health(res);
    if (path === "/ready") return ready(services.readiness, res);
    if (path === "/v1/models") return listModels(services, requestId, req, res);
    if (path.startsWith("/v1/models/")) {
      const id = decodeSegment(path.slice(11));
      if (id === undefined) return badPath(res, path);
      return getModel(services, id, requestId, req, res);
    }
    if (path === "/v1/usage") return usageRoute(services, url, requestId, req, res);
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

function badPath(res: AnyResponse, path: string): void {
  sendError(res, invalidRequest(`the path ${path} has a malformed percent-escape`, "model"), openAIErrorBody);
}

function notFound(res: AnyResponse, path: string): void {
  sendError(res, new GatewayError("not_found", `no route for ${path}`), openAIErrorBody);
}

function notAllowed(res: AnyResponse, method: string, path: string, allowed: string): void {
  res.setHeader("allow", allowed);
  sendError(
    res,
    new GatewayError("method_not_allowed", `${method} is not allowed on ${path}; use ${allowed}`),
    openAIErrorBody,
  );
}
