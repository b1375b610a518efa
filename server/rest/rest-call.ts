import type { RoutingHints } from "../../gen/llmgw/v1/chat_pb.js";
import { LOG_PAYLOAD_HEADER } from "../core/call.ts";
import type { InFlight } from "../core/in-flight.ts";
import {
  FALLBACK_HEADER,
  PREFER_PROVIDER_HEADER,
  PRIORITY_HEADER,
  routingHintsFromHeaders,
  STRATEGY_HEADER,
} from "../core/routing-hints.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import { onClientGone } from "../http/client-gone.ts";
import type { AnyResponse } from "../http/cors.ts";
import type { AnyRequest } from "../http/read-body.ts";
import { credentialFromHeaders } from "../policy/auth/key-ring.ts";

/** What a REST surface knows of a request before reading its body. */
export interface RestRequest {
  readonly requestId: string;
  readonly signal: AbortSignal;
  readonly startedAt: number;
  readonly deadline: number;
  readonly credential: string | undefined;
  /** False when the caller asked the audit log to keep no payload (`x-llmgw-log-payload: false`). */
  readonly logPayload: boolean;
  /** The caller's W3C `traceparent`, which a traced call continues. */
  readonly traceparent: string | undefined;
}

/**
 * Tracks a REST request as a call. Its signal fires when the client goes
 * away before the response is finished (aborting the upstream at once),
 * when the request outlives the gateway's request timeout, or when the
 * gateway shuts down with the request still running.
 */
export function restRequest(
  req: AnyRequest,
  res: AnyResponse,
  requestId: string,
  inFlight: InFlight,
): RestRequest {
  const controller = new AbortController();
  const tracked = inFlight.add(controller);
  res.once("close", () => inFlight.release(tracked));
  onClientGone(req, res, () =>
    controller.abort(new GatewayError("cancelled", "the client closed the connection")),
  );
  return {
    requestId,
    signal: controller.signal,
    startedAt: performance.now(),
    deadline: tracked.deadline,
    credential: restCredential(req),
    logPayload: header(req, LOG_PAYLOAD_HEADER)?.trim().toLowerCase() !== "false",
    traceparent: header(req, "traceparent"),
  };
}

/** The credential from `Authorization: Bearer` or `x-api-key`. */
export function restCredential(req: AnyRequest): string | undefined {
  return credentialFromHeaders(header(req, "authorization"), header(req, "x-api-key"));
}

/** The routing overrides of the `x-llmgw-*` headers; throws `invalid_request` naming a malformed one. */
export function restRoutingHints(req: AnyRequest): RoutingHints | undefined {
  return routingHintsFromHeaders(
    header(req, STRATEGY_HEADER),
    header(req, PREFER_PROVIDER_HEADER),
    header(req, FALLBACK_HEADER),
    header(req, PRIORITY_HEADER),
  );
}

export function header(req: AnyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
