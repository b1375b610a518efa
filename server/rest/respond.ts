import { errorWire } from "../errors/error-codes.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { AnyResponse } from "../http/cors.ts";

/** Sends a JSON body with a status, unless the response is already under way. */
export function sendJson(
  res: AnyResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

/**
 * Sends an error in a surface's own body format, with the status from the
 * error table, a Retry-After when the error carries one, and
 * `x-should-retry`, which the OpenAI and Anthropic SDKs read before their own
 * status rules: a spent budget is a 429 that retrying cannot fix. A surface
 * whose API answers some codes with another status passes its own `status`.
 */
export function sendError(
  res: AnyResponse,
  error: unknown,
  render: (error: GatewayError) => string,
  status: (error: GatewayError) => number = tableStatus,
): void {
  const failure = GatewayError.from(error);
  const headers: Record<string, string> = { "x-should-retry": failure.retryable ? "true" : "false" };
  if (failure.retryAfterMs !== undefined)
    headers["retry-after"] = String(Math.ceil(failure.retryAfterMs / 1000));
  sendJson(res, status(failure), render(failure), headers);
}

function tableStatus(error: GatewayError): number {
  return errorWire(error.code).http;
}
