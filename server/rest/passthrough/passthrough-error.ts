import type { PassthroughApi } from "../../core/call.ts";
import { errorWire } from "../../errors/error-codes.ts";
import type { GatewayError } from "../../errors/gateway-error.ts";
import { openAIErrorBody } from "../openai/openai-error.ts";

/**
 * A gateway error (a refused key, a limit, a budget, an unreachable
 * upstream) in the error shape of the pass-through route's own API, so the
 * caller's SDK reads it as it would its upstream's:
 * - Anthropic: `{"type":"error","error":{"type","message"}}`;
 * - Gemini: `{"error":{"code","message","status"}}`;
 * - OpenAI: `{"error":{"message","type","param","code"}}`.
 */
export function passthroughErrorBody(api: PassthroughApi, error: GatewayError): string {
  const wire = errorWire(error.code);
  switch (api) {
    case "anthropic":
      return JSON.stringify({ type: "error", error: { type: wire.anthropicType, message: error.message } });
    case "gemini":
      return JSON.stringify({
        error: { code: wire.http, message: error.message, status: wire.geminiStatus },
      });
    case "openai":
      return openAIErrorBody(error);
  }
}
