import { GatewayError } from "../errors/gateway-error.ts";

/**
 * The caps on what one upstream may send back, from its provider's config
 * (`max_response_bytes`, `max_event_bytes`). Without them a runaway or
 * hostile upstream costs the gateway several times its answer in memory, and
 * past half a gigabyte the answer cannot even become a string.
 */
export interface BodyLimits {
  /** The provider, named in the error. */
  readonly provider: string;
  /** The most a whole answer body (a unary completion, an embedding, a model list) may be, in bytes. */
  readonly responseBytes: number;
  /** The longest single event of a stream (an SSE event, an NDJSON line), in characters of decoded text. */
  readonly eventBytes: number;
}

/** The defaults of the config schema, also used where a body comes with no limits (unit tests). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/**
 * The error for an answer over a cap: `upstream_response_too_large`, not
 * retryable, naming the provider, the cap and the config field that sets it.
 */
export function responseTooLarge(provider: string, what: "answer" | "event", limit: number): GatewayError {
  const field = what === "answer" ? "max_response_bytes" : "max_event_bytes";
  const subject = what === "answer" ? "an answer larger than" : "a stream event longer than";
  return new GatewayError(
    "upstream_response_too_large",
    `upstream ${provider} sent ${subject} ${limit} bytes (the provider's ${field}); the gateway stopped reading it`,
    { provider },
  );
}
