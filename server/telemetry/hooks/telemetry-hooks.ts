import type { Operation } from "../../core/call.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import type { GatewayError } from "../../errors/gateway-error.ts";

/** What a hook is told about a request. At its start the key and model may still be unknown (""). */
export interface RequestInfo {
  /** The caller's x-request-id, or the one the gateway made. */
  readonly requestId: string;
  /** The surface that received it: `openai`, `anthropic`, `rpc`, `passthrough-openai`… */
  readonly surface: string;
  readonly operation: Operation;
  /** The model the caller asked for ("" before the body is read). */
  readonly model: string;
  readonly stream: boolean;
  /** The authenticated key's name ("" before auth or when refused); never the key itself. */
  readonly key: string;
  /** The key's team ("" for none). */
  readonly team: string;
  /** The trace id while tracing is on, "" otherwise. */
  readonly traceId: string;
}

/**
 * The in-process telemetry hooks, for programs that embed LLMGW as a
 * library (`startGateway(config, log, { hooks })`). Every member is
 * optional. Hooks run synchronously on the request's path, so keep them
 * short (queue work, do not await it); one that throws is logged and never
 * breaks the request or the other hooks.
 *
 * @example
 * await startGateway(config, log, {
 *   hooks: {
 *     onRequestEnd: (outcome, request) => stats.add(request.model, outcome.latencyMs),
 *     onError: (error, request) => alerts.note(request.requestId, error.code),
 *   },
 * });
 */
export interface TelemetryHooks {
  /** A request arrived (before auth: the key and, for REST, the model are not known yet). */
  onRequestStart?(request: RequestInfo): void;
  /** A request ended, however it ended (answered, refused, failed or cancelled): once per request. */
  onRequestEnd?(outcome: Outcome, request: RequestInfo): void;
  /** A request ended with an error (after onRequestEnd): the error the caller got. */
  onError?(error: GatewayError, request: RequestInfo): void;
}
