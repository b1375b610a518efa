import type { IncomingMessage, ServerResponse } from "node:http";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { PassthroughConfig } from "./config/passthrough-schema.ts";
import { requestIdFrom } from "./core/request-id.ts";
import type { GatewayServices } from "./core/services.ts";
import { GatewayError } from "./errors/gateway-error.ts";
import { applyCors } from "./http/cors.ts";
import { isPlainTarget } from "./http/request-target.ts";
import type { SecurityHeaders } from "./http/security-headers.ts";
import type { UiRoutes } from "./http/ui-routes.ts";
import type { OverloadGuard } from "./net/overload-guard.ts";
import { openAIErrorBody } from "./rest/openai/openai-error.ts";
import { PassthroughRoutes } from "./rest/passthrough/passthrough-paths.ts";
import { sendError } from "./rest/respond.ts";
import { sendRestErrorFor } from "./rest/rest-error-for.ts";
import { restRouter } from "./rest/rest-router.ts";
import { GrpcDirect } from "./rpc/grpc-direct.ts";
import { rpcGate } from "./rpc/rpc-call.ts";
import { sendRpcError } from "./rpc/rpc-error-response.ts";
import { rpcRoutes } from "./rpc/rpc-routes.ts";

export interface HandlerOptions {
  readonly bodyLimit: number;
  readonly corsOrigins: ReadonlyArray<string>;
  /** The pass-through routes, when configured. */
  readonly passthrough?: PassthroughConfig | undefined;
  /** Helmet's headers, set on every answer; absent when turned off. */
  readonly securityHeaders?: SecurityHeaders | undefined;
  /** Sheds requests with a 503 before any work when the gateway is overloaded; absent when off. */
  readonly overload?: { readonly guard: OverloadGuard; readonly retryAfterS: number } | undefined;
  /** The dashboard's routes (http/ui-routes.ts); absent when `ui: false`. */
  readonly ui?: UiRoutes | undefined;
}

/** The answer to a target no route may see. */
const NOT_PLAIN = new GatewayError("not_found", "no route for this request-target");

/** A 404 in the format of the surface the target looks like; OpenAI's when even that cannot be told. */
function refuseTarget(req: IncomingMessage, res: ServerResponse): void {
  try {
    sendRestErrorFor(req, res, NOT_PLAIN);
  } catch {
    // `//` and the like are not even a relative URL.
    sendError(res, NOT_PLAIN, openAIErrorBody);
  }
}

/** Connect services live under their fully-qualified service names. */
const RPC_PREFIX = "/llmgw.v1.";

/**
 * The one request handler behind both HTTP/1.1 and HTTP/2: CORS first, then
 * Connect (gRPC, gRPC-Web, Connect) by path prefix, then the REST surface.
 */
export function createRequestHandler(services: GatewayServices, options: HandlerOptions) {
  // Auth, accounting and the deadline start before the body is read (see rpcGate), on both paths.
  const gate = rpcGate(services);
  // Binary gRPC over HTTP/2 is served directly, the rest by connect-node, from one set of routes.
  const grpc = new GrpcDirect(options.bodyLimit, gate);
  const routes = rpcRoutes(services);
  const rpc = connectNodeAdapter({
    routes: (router) => routes(grpc.recording(router)),
    // Fastify-style body limits do not reach Connect routes; this does.
    readMaxBytes: options.bodyLimit,
    requireConnectProtocolHeader: false,
    requestGate: gate,
  });
  const rest = restRouter(services, options, options.passthrough);
  // Pass-through routes check their raw targets themselves, and answer in their API's format.
  const passthrough =
    options.passthrough === undefined ? undefined : new PassthroughRoutes(options.passthrough);
  const secure = options.securityHeaders;
  const guard = options.overload?.guard;
  const retryAfterS = String(options.overload?.retryAfterS ?? 1);
  const ui = options.ui;
  const shed = new GatewayError("unavailable", "the gateway is overloaded; retry shortly", {
    retryAfterMs: (options.overload?.retryAfterS ?? 1) * 1000,
  });
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? "/";
    secure?.(res, path);
    if (applyCors(req, res, options.corsOrigins)) return;
    // The dashboard checks its own targets (a map lookup, never the disk); the API pays one prefix check.
    if (ui?.(req, res, path)) return;
    // Dot segments, `//`, backslashes and absolute-form never reach a route (request-target.ts).
    if (!isPlainTarget(path) && passthrough?.match(path) === undefined) {
      res.setHeader("x-request-id", requestIdFrom(undefined));
      refuseTarget(req, res);
      return;
    }
    // Liveness and metrics stay answered under overload: a busy gateway is not a dead one.
    if (guard !== undefined && path !== "/health" && path !== "/metrics") {
      if (!guard.admit()) {
        res.setHeader("retry-after", retryAfterS);
        // An HTTP/1.1 body the caller is still sending is not read: the connection closes instead.
        if (req.httpVersionMajor === 1) res.setHeader("connection", "close");
        sendErrorFor(req, res, shed);
        return;
      }
      res.once("close", guard.release);
    }
    if (path.startsWith(RPC_PREFIX)) {
      // connect-node needs an authority and throws outside any handler without one; routing never reads it.
      if (req.headers.host === undefined && req.headers[":authority"] === undefined) {
        if (req.httpVersionMajor === 1) req.headers.host = "gateway";
        else req.headers[":authority"] = "gateway";
      }
      if (!grpc.handle(req, res)) rpc(req, res);
      return;
    }
    // Concatenated, not resolved: a request-target like `//x/y` must stay a path, not become a host.
    Promise.resolve()
      .then(() => rest(req, res, new URL(`http://gateway${path}`)))
      .catch((error: unknown) => {
        // Routes answer their own errors; this is the net for a bug, so the caller still gets a 500.
        if (res.headersSent) res.destroy(error as Error);
        else sendRestErrorFor(req, res, GatewayError.from(error));
      });
  };
}

/**
 * Answers a request with a gateway error in its caller's format, for the
 * layers below the surfaces (the net layer's body deadline): an RPC route's
 * protocol, or the REST surface's own error shape (rest-error-for.ts).
 */
export function sendErrorFor(req: IncomingMessage, res: ServerResponse, error: GatewayError): void {
  if ((req.url ?? "/").startsWith(RPC_PREFIX)) sendRpcError(req, res, error);
  else sendRestErrorFor(req, res, error);
}
