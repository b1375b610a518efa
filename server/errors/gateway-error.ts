import { type ErrorCode, errorWire } from "./error-codes.ts";

/** Extra facts an error may carry to the caller. */
export interface GatewayErrorOptions {
  /** The request field at fault, in OpenAI's `param` style (`messages[0].role`). */
  param?: string;
  /** How long the caller should wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  /** The provider involved, if any. */
  provider?: string;
  /** Overrides the code's default retryability. */
  retryable?: boolean;
  /** The underlying error, kept for logs; never shown to callers. */
  cause?: unknown;
}

/**
 * The one error type of the gateway. It carries a stable code from the
 * taxonomy; surfaces turn it into the caller's own error format.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly param: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly provider: string | undefined;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.param = options.param;
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.retryable = options.retryable ?? errorWire(code).retryable;
  }

  /** Turns anything thrown into a GatewayError, hiding internals of unknown errors. */
  static from(error: unknown): GatewayError {
    if (error instanceof GatewayError) return error;
    return new GatewayError("internal", "internal gateway error", { cause: error });
  }
}

/** Shorthand for the most common error: a bad request, naming the field. */
export function invalidRequest(message: string, param?: string): GatewayError {
  return new GatewayError("invalid_request", message, param === undefined ? {} : { param });
}
