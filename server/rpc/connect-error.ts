import { create } from "@bufbuild/protobuf";
import { ConnectError, type HandlerContext } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/llmgw/v1/error_pb.js";
import { errorWire } from "../errors/error-codes.ts";
import { GatewayError } from "../errors/gateway-error.ts";

/**
 * A GatewayError as a ConnectError: the code from the error table, and an
 * ErrorDetail so RPC callers see the same stable code, retryability and
 * retry-after as REST callers. ConnectErrors from the RPC layer itself
 * (bad framing, oversized messages) pass through unchanged.
 */
export function toConnectError(error: unknown, ctx: HandlerContext): ConnectError {
  if (error instanceof ConnectError) return error;
  // The request gate puts the request id on the response header first thing, so even an auth failure carries it.
  return connectErrorOf(GatewayError.from(error), ctx.responseHeader.get("x-request-id") ?? "");
}

/** The ConnectError, with its ErrorDetail, for a gateway error of the call `requestId`. */
export function connectErrorOf(failure: GatewayError, requestId: string): ConnectError {
  const metadata = new Headers();
  if (failure.retryAfterMs !== undefined)
    metadata.set("retry-after", String(Math.ceil(failure.retryAfterMs / 1000)));
  const detail = create(ErrorDetailSchema, {
    code: failure.code,
    retryable: failure.retryable,
    retryAfterMs: BigInt(failure.retryAfterMs ?? 0),
    provider: failure.provider ?? "",
    requestId,
  });
  return new ConnectError(failure.message, errorWire(failure.code).connect, metadata, [
    { desc: ErrorDetailSchema, value: detail },
  ]);
}
