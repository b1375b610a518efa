import type { Context, Span, Tracer } from "@opentelemetry/api";

/**
 * One call's tracing state, on `call.trace` while tracing is on (undefined
 * otherwise, so nothing of it exists when tracing is off).
 */
export interface CallTrace {
  /** The gateway's tracer, for the child spans. */
  readonly tracer: Tracer;
  /** The request's span. */
  readonly span: Span;
  /** The context with the request's span in it: the parent of attempt, queue and cache spans. */
  readonly context: Context;
  /** The `traceparent` the current upstream attempt sends, naming that attempt's span. */
  upstream: string | undefined;
  /** The attempt span still open: a stream's, which ends with the stream. */
  openAttempt: Span | undefined;
  /** Finish reasons seen (a unary answer's choices, or a stream's finish events). */
  finishReasons: string[];
  /** The model the upstream said answered. */
  responseModel: string;
  /** The streamed answer's text, kept only when content is recorded. */
  output: string | undefined;
}
