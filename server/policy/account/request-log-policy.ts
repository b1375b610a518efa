import type { Logger } from "pino";
import { type Call, requestedModel } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import type { EndHook } from "../../core/end-hooks.ts";
import { overheadMs } from "../../telemetry/overhead.ts";

/** Reads the trace id of a call's span, when tracing is on (the tracing policy's to provide). */
export type TraceIdOf = (call: Call) => string | undefined;

/**
 * One info line per call (`log.requests: true`); absent from the chain
 * otherwise. The line names the key, never its secret, and carries no
 * payload: what was asked and answered belongs to the audit log.
 */
export function requestLogPolicy(log: Logger, traceIdOf?: TraceIdOf): Policy {
  const line: EndHook = (outcome, call) => {
    const usage = outcome.usage;
    log.info(
      {
        requestId: call.requestId,
        traceId: traceIdOf?.(call),
        surface: call.surface,
        key: call.key?.name ?? "",
        model: requestedModel(call),
        provider: outcome.served?.provider ?? "",
        servedModel: outcome.served?.model ?? "",
        deployment: outcome.served?.id ?? "",
        status: outcome.status,
        stream: call.stream,
        cache: call.cache?.kind ?? "none",
        attempts: outcome.attempts,
        promptTokens: usage?.promptTokens ?? 0,
        completionTokens: usage?.completionTokens ?? 0,
        cachedTokens: usage?.cachedPromptTokens ?? 0,
        reasoningTokens: usage?.reasoningTokens ?? 0,
        costUsd: outcome.costUsd,
        latencyMs: outcome.latencyMs,
        ttftMs: outcome.ttftMs,
        queueMs: call.queueMs,
        upstreamMs: call.upstreamMs,
        overheadMs: overheadMs(call.stream, outcome.latencyMs, outcome.ttftMs, call.upstreamMs),
      },
      "request",
    );
  };
  return (next) => (call) => {
    call.end.onEnd(line);
    return next(call);
  };
}
