import type { PassthroughApi } from "../../core/call.ts";
import type { AnyResponse } from "../../http/cors.ts";
import { sendAnthropicError } from "../anthropic/anthropic-error.ts";
import { geminiErrorBody } from "../gemini/gemini-error.ts";
import { openAIErrorBody } from "../openai/openai-error.ts";
import { sendError } from "../respond.ts";

/**
 * Sends a gateway error (a refused key, a limit, a budget, an unreachable
 * upstream) in the error shape and status of the pass-through route's own
 * API, as that API's translated surface does, so the caller's SDK reads it
 * as it would its upstream's.
 */
export function sendPassthroughError(
  res: AnyResponse,
  api: PassthroughApi,
  error: unknown,
  requestId: string,
): void {
  if (api === "anthropic") sendAnthropicError(res, error, requestId);
  else sendError(res, error, api === "gemini" ? geminiErrorBody : openAIErrorBody);
}
