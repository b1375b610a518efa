import { errorWire } from "../../errors/error-codes.ts";
import type { GatewayError } from "../../errors/gateway-error.ts";

/**
 * A GatewayError as Google's error body, `{"error": {"code", "message",
 * "status"}}`: the HTTP status and the google.rpc status name from the one
 * error table. The same object is the last chunk of a stream that failed
 * after its 200, which `@google/genai` raises as an ApiError.
 */
export function geminiErrorBody(error: GatewayError): string {
  const wire = errorWire(error.code);
  return JSON.stringify({ error: { code: wire.http, message: error.message, status: wire.geminiStatus } });
}
