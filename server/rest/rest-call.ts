import type { CallContext } from "../core/call-context.ts";
import type { InFlight } from "../core/in-flight.ts";
import { credentialFromHeaders } from "../core/key-ring.ts";
import { requestIdFrom } from "../core/request-id.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import { onClientGone } from "../http/client-gone.ts";
import type { AnyResponse } from "../http/cors.ts";
import type { AnyRequest } from "../http/read-body.ts";

/**
 * Builds the call context for a REST request (the key name is filled in once
 * the caller is authenticated). Its signal fires when the
 * client goes away before the response is finished (aborting the upstream
 * at once), when the request outlives the gateway's request timeout, or when
 * the gateway shuts down with the request still running.
 */
export function restCall(
  req: AnyRequest,
  res: AnyResponse,
  surface: string,
  inFlight: InFlight,
): CallContext {
  const requestId = requestIdFrom(header(req, "x-request-id"));
  res.setHeader("x-request-id", requestId);
  const controller = new AbortController();
  const tracked = inFlight.add(controller);
  res.once("close", () => inFlight.release(tracked));
  onClientGone(req, res, () =>
    controller.abort(new GatewayError("cancelled", "the client closed the connection")),
  );
  return { requestId, keyName: "", signal: controller.signal, startedAt: performance.now(), surface };
}

/** The credential from `Authorization: Bearer` or `x-api-key`. */
export function restCredential(req: AnyRequest): string | undefined {
  return credentialFromHeaders(header(req, "authorization"), header(req, "x-api-key"));
}

export function header(req: AnyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
