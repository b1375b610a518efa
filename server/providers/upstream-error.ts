import { GatewayError } from "../errors/gateway-error.ts";

/**
 * Maps an upstream's HTTP error answer into the taxonomy, keeping its
 * Retry-After and the message it gave (which helps the caller fix a request).
 */
export function upstreamHttpError(
  provider: string,
  status: number,
  body: string,
  retryAfter?: string,
): GatewayError {
  const detail = upstreamMessage(body);
  const retryAfterMs = parseRetryAfter(retryAfter);
  const options = { provider, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  const say = (what: string) =>
    `${what} (upstream ${provider} answered ${status}${detail ? `: ${detail}` : ""})`;
  if (status === 429) return new GatewayError("upstream_rate_limited", say("upstream rate limit"), options);
  if (status === 404)
    return new GatewayError("model_not_found", say("the upstream does not know this model"), options);
  if (status === 413)
    return new GatewayError("payload_too_large", say("the upstream refused the request size"), options);
  if (status === 400 || status === 422)
    return new GatewayError("invalid_request", say("the upstream rejected the request"), options);
  if (status === 401 || status === 403) {
    return new GatewayError("upstream_error", say("the upstream rejected the gateway's credentials"), {
      ...options,
      retryable: false,
    });
  }
  if (status === 408 || status === 504)
    return new GatewayError("upstream_timeout", say("upstream timeout"), options);
  if (status === 503 || status === 529)
    return new GatewayError("upstream_unavailable", say("upstream overloaded"), options);
  return new GatewayError("upstream_error", say("upstream error"), options);
}

/**
 * Maps a failure to talk to the upstream (refused, reset, timed out, or
 * aborted by our own caller) into the taxonomy.
 */
export function upstreamNetworkError(provider: string, error: unknown, signal: AbortSignal): GatewayError {
  if (error instanceof GatewayError) return error;
  if (signal.aborted) {
    const reason = signal.reason;
    if (reason instanceof GatewayError) return reason;
    return new GatewayError("cancelled", "the caller cancelled the request", { provider, cause: error });
  }
  const code = (error as { code?: string } | null)?.code ?? "";
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new GatewayError("upstream_timeout", `upstream ${provider} did not answer in time`, {
      provider,
      cause: error,
    });
  }
  if (code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "UND_ERR_CLOSED") {
    return new GatewayError("upstream_error", `upstream ${provider} closed the connection early`, {
      provider,
      cause: error,
    });
  }
  return new GatewayError(
    "upstream_unavailable",
    `upstream ${provider} is unreachable (${code || "error"})`,
    {
      provider,
      cause: error,
    },
  );
}

/** Retry-After in seconds or as an HTTP date, to milliseconds. */
export function parseRetryAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function upstreamMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof message === "string") return truncate(message);
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return truncate(body.trim());
}

function truncate(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
