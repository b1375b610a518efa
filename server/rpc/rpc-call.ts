import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { CallContext } from "../core/call-context.ts";
import type { Gateway } from "../core/gateway.ts";
import { credentialFromHeaders } from "../core/key-ring.ts";
import { requestIdFrom } from "../core/request-id.ts";
import { GatewayError } from "../errors/gateway-error.ts";

/**
 * Authenticates an RPC and builds its call context. The signal is our own:
 * it fires with a GatewayError reason when Connect's signal fires, so the
 * core and providers can tell a caller's deadline from a cancel without
 * knowing about Connect.
 */
export function rpcCall(gateway: Gateway, ctx: HandlerContext, surface: string): CallContext {
  const startedAt = performance.now();
  const requestId = requestIdFrom(ctx.requestHeader.get("x-request-id") ?? undefined);
  ctx.responseHeader.set("x-request-id", requestId);
  const credential = credentialFromHeaders(
    ctx.requestHeader.get("authorization") ?? undefined,
    ctx.requestHeader.get("x-api-key") ?? undefined,
  );
  const keyName = gateway.authenticate(credential);
  const controller = new AbortController();
  if (ctx.signal.aborted) controller.abort(reasonOf(ctx.signal.reason));
  else {
    const tracked = gateway.inFlight.add(controller);
    // Connect's signal also fires when the call completes, which is when we stop tracking it.
    const forward = () => {
      gateway.inFlight.release(tracked);
      controller.abort(reasonOf(ctx.signal.reason));
    };
    ctx.signal.addEventListener("abort", forward, { once: true });
  }
  return { requestId, keyName, signal: controller.signal, startedAt, surface };
}

function reasonOf(reason: unknown): GatewayError {
  if (reason instanceof ConnectError && reason.code === Code.DeadlineExceeded) {
    return new GatewayError("deadline_exceeded", "the call's deadline passed");
  }
  return new GatewayError("cancelled", "the caller cancelled the call");
}
