import type { GatewayError } from "../../errors/gateway-error.ts";
import { upstreamHttpError } from "../upstream-error.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/gemini-api/docs/troubleshooting)
 * and google.rpc error model: errors are `{error: {code, message, status,
 * details}}` with status names such as INVALID_ARGUMENT (400),
 * PERMISSION_DENIED (403), NOT_FOUND (404), RESOURCE_EXHAUSTED (429),
 * INTERNAL (500), UNAVAILABLE (503) and DEADLINE_EXCEEDED (504). A 429 may
 * say when to retry in a `google.rpc.RetryInfo` detail's `retryDelay` (a
 * Duration such as "17s" or "0.5s") rather than in a Retry-After header.
 */

/**
 * Maps a Gemini HTTP error like any upstream's (the status decides the code),
 * taking the retry delay from the body when the header gives none.
 */
export function geminiHttpError(
  provider: string,
  status: number,
  body: string,
  retryAfter: string | undefined,
): GatewayError {
  return upstreamHttpError(provider, status, body, retryAfter ?? retryDelay(body));
}

/** RetryInfo's `retryDelay`, as the seconds string Retry-After would carry. */
function retryDelay(body: string): string | undefined {
  let details: unknown;
  try {
    details = (JSON.parse(body) as { error?: { details?: unknown } } | null)?.error?.details;
  } catch {
    return undefined;
  }
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay = (detail as { retryDelay?: unknown } | null)?.retryDelay;
    const match = typeof delay === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
    if (match) return match[1];
  }
  return undefined;
}
