/**
 * OpenAI-shaped errors for the mock upstream.
 *
 * The gateway has to translate upstream failures, so the mock fails exactly the way OpenAI-compatible
 * servers do: an HTTP status plus `{"error":{"message","type","param","code"}}`.
 */

/** OpenAI error `type` for an HTTP status. */
export function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** Default OpenAI error `code` for an HTTP status (null when OpenAI would send none). */
export function errorCode(status: number): string | null {
  if (status === 401) return "invalid_api_key";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limit_exceeded";
  if (status >= 500) return "server_error";
  return null;
}

/** JSON body of an OpenAI error response. */
export function errorJson(
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = errorCode(status),
): string {
  return JSON.stringify({ error: { message, type: errorType(status), param, code } });
}

/** A request the mock refuses; turned into an OpenAI error response by the server. */
export class OpenAIError extends Error {
  readonly status: number;
  readonly param: string | null;
  readonly code: string | null;

  constructor(status: number, message: string, param: string | null = null, code: string | null = null) {
    super(message);
    this.name = "OpenAIError";
    this.status = status;
    this.param = param;
    this.code = code;
  }

  toJson(): string {
    return errorJson(this.status, this.message, this.param, this.code);
  }
}
