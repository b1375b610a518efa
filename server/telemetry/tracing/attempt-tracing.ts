import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
} from "@opentelemetry/semantic-conventions/incubating";
import type { AttemptPolicy } from "../../core/chain.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { spanTime } from "./span-time.ts";
import type { Tracing } from "./tracing.ts";

/**
 * A child span per upstream attempt (and one for the time it waited in the
 * deployment's queue, when it waited), whose `traceparent` the attempt
 * sends upstream. A unary attempt's span ends with its answer, a failed
 * one's with its error; a stream's stays open until the call ends (the
 * request span's end hook closes it). Only composed when tracing is on.
 */
export function attemptTracing(tracing: Tracing): AttemptPolicy {
  const tracer = tracing.tracer;
  return (next) => async (call, deployment) => {
    const callTrace = call.trace;
    if (callTrace === undefined) return next(call, deployment);
    const startedAt = performance.now();
    const queuedBefore = call.queueMs;
    const span = tracer.startSpan(
      `attempt ${deployment.id}`,
      {
        kind: SpanKind.CLIENT,
        startTime: spanTime(startedAt),
        attributes: {
          [ATTR_GEN_AI_PROVIDER_NAME]: deployment.provider,
          [ATTR_GEN_AI_REQUEST_MODEL]: deployment.model,
          "llmgw.deployment": deployment.id,
          "llmgw.attempt": call.attempts + 1,
        },
      },
      callTrace.context,
    );
    callTrace.upstream = tracing.traceparentOf(span);
    const queued = () => {
      const waitedMs = call.queueMs - queuedBefore;
      if (waitedMs <= 0) return;
      tracer
        .startSpan(
          "queue wait",
          { startTime: spanTime(startedAt), attributes: { "llmgw.deployment": deployment.id } },
          callTrace.context,
        )
        .end(spanTime(startedAt + waitedMs));
    };
    try {
      const answer = await next(call, deployment);
      queued();
      if (answer.kind === "stream" || answer.kind === "raw") callTrace.openAttempt = span;
      else span.end(spanTime(performance.now()));
      return answer;
    } catch (error) {
      queued();
      const failure = GatewayError.from(error);
      span.setAttribute("error.type", failure.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
      span.end(spanTime(performance.now()));
      throw error;
    } finally {
      callTrace.upstream = undefined;
    }
  };
}
