import { errorWire } from "../../errors/error-codes.ts";
import type { GatewayError } from "../../errors/gateway-error.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { sendError } from "../respond.ts";

/*
 * Follows the Anthropic Messages API's errors as documented: the body is
 * `{type: "error", error: {type, message}, request_id}`, and an
 * `overloaded_error` has the status 529.
 */

/** Anthropic's status for overload: retried by its SDKs, and told apart from a rate limit (429). */
const OVERLOADED = 529;

/** A GatewayError as Anthropic's error body. */
export function anthropicErrorBody(error: GatewayError, requestId: string): string {
  return JSON.stringify({
    type: "error",
    error: { type: errorWire(error.code).anthropicType, message: error.message },
    request_id: requestId,
  });
}

/**
 * The status Anthropic would answer: the error table's, except that every
 * code the table calls `overloaded_error` (a full or timed-out queue, an open
 * circuit, an unavailable upstream, a gateway shutting down) is a 529, as
 * Anthropic answers when it cannot take the request now.
 */
export function anthropicStatus(error: GatewayError): number {
  const wire = errorWire(error.code);
  return wire.anthropicType === "overloaded_error" ? OVERLOADED : wire.http;
}

/** Sends an error before any of the answer has gone out, in Anthropic's shape and status. */
export function sendAnthropicError(res: AnyResponse, error: unknown, requestId: string): void {
  sendError(res, error, (failure) => anthropicErrorBody(failure, requestId), anthropicStatus);
}
