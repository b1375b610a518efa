import { errorWire } from "../../errors/error-codes.ts";
import type { GatewayError } from "../../errors/gateway-error.ts";

/** A GatewayError as OpenAI's error body: `{error: {message, type, param, code}}`. */
export function openAIErrorBody(error: GatewayError): string {
  return JSON.stringify({
    error: {
      message: error.message,
      type: errorWire(error.code).openaiType,
      param: error.param ?? null,
      code: error.code,
    },
  });
}
