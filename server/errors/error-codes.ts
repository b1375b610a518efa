import { Code } from "@connectrpc/connect";

/**
 * The gateway's one error taxonomy. Every failure, wherever it starts, becomes
 * a GatewayError with one of these codes, and each surface renders it through
 * this table, so a code means the same thing over gRPC, Connect and REST.
 */
export type ErrorCode =
  | "invalid_request"
  | "unauthenticated"
  | "permission_denied"
  | "guardrail_blocked"
  | "not_found"
  | "model_not_found"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "request_timeout"
  | "rate_limited"
  | "budget_exhausted"
  | "upstream_rate_limited"
  | "upstream_error"
  | "upstream_unavailable"
  | "upstream_timeout"
  | "upstream_response_too_large"
  | "first_token_timeout"
  | "inter_token_timeout"
  | "queue_full"
  | "queue_timeout"
  | "watcher_too_slow"
  | "circuit_open"
  | "no_eligible_deployment"
  | "deadline_exceeded"
  | "cancelled"
  | "unavailable"
  | "internal";

/** How one error code appears on each wire. */
export interface ErrorWire {
  /** The Connect / gRPC code. Limit errors use ResourceExhausted: clients map a bare 429 to Unavailable. */
  connect: Code;
  /** The HTTP status for REST surfaces. */
  http: number;
  /** OpenAI's `error.type`. */
  openaiType: string;
  /** Anthropic's `error.type`. */
  anthropicType: string;
  /** Gemini's `error.status`. */
  geminiStatus: string;
  /** Whether a retry of the same request may succeed. */
  retryable: boolean;
}

/** The table from code to wire. Read it top to bottom; each row is one decision. */
export function errorWire(code: ErrorCode): ErrorWire {
  switch (code) {
    // The request itself is wrong: malformed JSON, wrong types, bad values.
    case "invalid_request":
      return wire(
        Code.InvalidArgument,
        400,
        "invalid_request_error",
        "invalid_request_error",
        "INVALID_ARGUMENT",
      );
    // No API key, or one the gateway does not know.
    case "unauthenticated":
      return wire(
        Code.Unauthenticated,
        401,
        "authentication_error",
        "authentication_error",
        "UNAUTHENTICATED",
      );
    // A known key that may not do this.
    case "permission_denied":
      return wire(Code.PermissionDenied, 403, "permission_error", "permission_error", "PERMISSION_DENIED");
    // An input guard's rule with action `block` matched the request; the message names the rule, never the text.
    case "guardrail_blocked":
      return wire(
        Code.PermissionDenied,
        403,
        "invalid_request_error",
        "permission_error",
        "PERMISSION_DENIED",
      );
    // No such route or resource.
    case "not_found":
      return wire(Code.NotFound, 404, "invalid_request_error", "not_found_error", "NOT_FOUND");
    // The model (or its provider) is not configured or discovered.
    case "model_not_found":
      return wire(Code.NotFound, 404, "invalid_request_error", "not_found_error", "NOT_FOUND");
    // A route called with the wrong HTTP method.
    case "method_not_allowed":
      return wire(Code.Unimplemented, 405, "invalid_request_error", "invalid_request_error", "UNIMPLEMENTED");
    // A body that says it is not JSON where JSON is required (a form post, text/plain).
    case "unsupported_media_type":
      return wire(
        Code.InvalidArgument,
        415,
        "invalid_request_error",
        "invalid_request_error",
        "INVALID_ARGUMENT",
      );
    // The body is over the configured limit.
    case "payload_too_large":
      return wire(
        Code.ResourceExhausted,
        413,
        "invalid_request_error",
        "request_too_large",
        "INVALID_ARGUMENT",
      );
    // The caller did not send its whole request body within the server's body timeout.
    case "request_timeout":
      return wire(
        Code.DeadlineExceeded,
        408,
        "invalid_request_error",
        "invalid_request_error",
        "DEADLINE_EXCEEDED",
      );
    // The caller went over a gateway rate limit; retry after the window.
    case "rate_limited":
      return wire(
        Code.ResourceExhausted,
        429,
        "rate_limit_error",
        "rate_limit_error",
        "RESOURCE_EXHAUSTED",
        true,
      );
    // The caller's budget is spent; retrying will not help until it is raised.
    case "budget_exhausted":
      return wire(
        Code.ResourceExhausted,
        429,
        "insufficient_quota",
        "rate_limit_error",
        "RESOURCE_EXHAUSTED",
      );
    // The upstream rate-limited the gateway; its Retry-After is kept.
    case "upstream_rate_limited":
      return wire(
        Code.ResourceExhausted,
        429,
        "rate_limit_error",
        "rate_limit_error",
        "RESOURCE_EXHAUSTED",
        true,
      );
    // The upstream failed (5xx) or answered with something that is not its API.
    case "upstream_error":
      return wire(Code.Unavailable, 502, "server_error", "api_error", "UNAVAILABLE", true);
    // The upstream could not be reached, refused, or said it is unavailable.
    case "upstream_unavailable":
      return wire(Code.Unavailable, 503, "service_unavailable", "overloaded_error", "UNAVAILABLE", true);
    // The upstream did not answer within the provider's timeout.
    case "upstream_timeout":
      return wire(Code.DeadlineExceeded, 504, "server_error", "api_error", "DEADLINE_EXCEEDED", true);
    // The upstream's answer (a unary body, or one event of a stream) is over the provider's
    // max_response_bytes / max_event_bytes, so the gateway stopped reading it. ResourceExhausted is
    // what gRPC itself answers for a message over its receive limit, and the row of payload_too_large;
    // HTTP 502 because the fault is the upstream's answer, not the caller's request. Not retryable: the
    // same request would most likely get the same oversized answer, and every try is a paid call.
    case "upstream_response_too_large":
      return wire(Code.ResourceExhausted, 502, "server_error", "api_error", "INTERNAL");
    // No token arrived within the deployment's ttft timeout (before any reached the caller, so it is
    // retried elsewhere).
    case "first_token_timeout":
      return wire(Code.DeadlineExceeded, 504, "server_error", "api_error", "DEADLINE_EXCEEDED", true);
    // A stream went quiet for longer than the deployment's inter-token timeout.
    case "inter_token_timeout":
      return wire(Code.DeadlineExceeded, 504, "server_error", "api_error", "DEADLINE_EXCEEDED", true);
    // Every deployment that could serve is busy and its queue is full: shed at once, with a Retry-After.
    case "queue_full":
      return wire(
        Code.ResourceExhausted,
        429,
        "rate_limit_error",
        "overloaded_error",
        "RESOURCE_EXHAUSTED",
        true,
      );
    // A WatchUsage stream read its events too slowly: its buffer filled and it was dropped, so requests never wait for it.
    case "watcher_too_slow":
      return wire(
        Code.ResourceExhausted,
        429,
        "rate_limit_error",
        "rate_limit_error",
        "RESOURCE_EXHAUSTED",
        true,
      );
    // The request waited in a deployment's queue for longer than its queue_timeout_ms.
    case "queue_timeout":
      return wire(Code.Unavailable, 503, "service_unavailable", "overloaded_error", "UNAVAILABLE", true);
    // The deployment's circuit breaker is open: it failed too often, and is left alone until it recovers.
    case "circuit_open":
      return wire(Code.Unavailable, 503, "service_unavailable", "overloaded_error", "UNAVAILABLE", true);
    // No deployment of the model can take this request (its context window, a feature it lacks).
    case "no_eligible_deployment":
      return wire(
        Code.InvalidArgument,
        400,
        "invalid_request_error",
        "invalid_request_error",
        "INVALID_ARGUMENT",
      );
    // The caller's own deadline passed.
    case "deadline_exceeded":
      return wire(Code.DeadlineExceeded, 504, "server_error", "api_error", "DEADLINE_EXCEEDED");
    // The caller went away. 499 is the status proxies log for this.
    case "cancelled":
      return wire(Code.Canceled, 499, "server_error", "api_error", "CANCELLED");
    // The gateway itself cannot serve now (for example, shutting down).
    case "unavailable":
      return wire(Code.Unavailable, 503, "service_unavailable", "overloaded_error", "UNAVAILABLE", true);
    // A bug in the gateway.
    case "internal":
      return wire(Code.Internal, 500, "server_error", "api_error", "INTERNAL");
  }
}

function wire(
  connect: Code,
  http: number,
  openaiType: string,
  anthropicType: string,
  geminiStatus: string,
  retryable = false,
): ErrorWire {
  return { connect, http, openaiType, anthropicType, geminiStatus, retryable };
}
