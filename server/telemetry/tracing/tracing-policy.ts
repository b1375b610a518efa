import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
} from "@opentelemetry/semantic-conventions/incubating";
import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import type { EndHook, EventHook } from "../../core/end-hooks.ts";
import type { CallTrace } from "./call-trace.ts";
import { endAttributes, finishReasonName, spanName } from "./genai-attributes.ts";
import { inputMessages, outputMessages } from "./span-content.ts";
import { spanTime } from "./span-time.ts";
import type { Tracing } from "./tracing.ts";

/**
 * One span per request, outermost in the chain so that it sees refusals
 * too. It continues the caller's W3C trace, names the trace on the call
 * (`call.traceId`, for the request log), and ends when the call's end hooks
 * fire, with the GenAI conventions' attributes, an event at the first token
 * and one for the error, if any. Only in the chain when tracing is on.
 */
export function tracingPolicy(tracing: Tracing): Policy {
  const tracer = tracing.tracer;
  const recordContent = tracing.recordContent;

  const end: EndHook = (outcome, call) => {
    const callTrace = call.trace;
    if (callTrace === undefined) return;
    const { span } = callTrace;
    span.updateName(spanName(call));
    span.setAttributes(endAttributes(call, outcome, callTrace));
    if (recordContent) recordMessages(call, callTrace);
    const endedAt = spanTime(call.startedAt + outcome.latencyMs);
    if (call.stream && outcome.ttftMs > 0)
      span.addEvent("gen_ai.first_token", spanTime(call.startedAt + outcome.ttftMs));
    const error = outcome.error;
    if (error !== undefined) {
      span.addEvent(
        "exception",
        { "exception.type": error.code, "exception.message": error.message },
        endedAt,
      );
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    const attempt = callTrace.openAttempt;
    if (attempt !== undefined) {
      if (error !== undefined) attempt.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      attempt.end(endedAt);
      callTrace.openAttempt = undefined;
    }
    span.end(endedAt);
  };

  /** A stream's finish events (and its text, when content is recorded). */
  const watch: EventHook = (event: StreamResponse, call) => {
    const callTrace = call.trace;
    if (callTrace === undefined) return;
    const kind = event.event.case;
    if (kind === "finish") callTrace.finishReasons.push(finishReasonName(event.event.value.reason));
    else if (kind === "delta" && callTrace.output !== undefined) callTrace.output += event.event.value.text;
  };

  return (next) => async (call) => {
    const parent = tracing.parentOf(call.traceparent, undefined);
    const span = tracer.startSpan(
      spanName(call),
      { kind: SpanKind.SERVER, startTime: spanTime(call.startedAt) },
      parent,
    );
    call.traceId = span.spanContext().traceId;
    call.trace = {
      tracer,
      span,
      context: trace.setSpan(parent, span),
      upstream: undefined,
      openAttempt: undefined,
      finishReasons: [],
      responseModel: "",
      output: recordContent ? "" : undefined,
    };
    call.end.onEnd(end);
    const answer = await next(call);
    if (answer.kind === "complete") {
      const response = answer.response;
      call.trace.responseModel = response.model;
      for (const choice of response.choices)
        call.trace.finishReasons.push(finishReasonName(choice.finishReason));
      if (recordContent)
        call.trace.output = outputMessages(
          response.choices.map((c) => c.message?.content.map(textOf).join("") ?? ""),
        );
    } else if (answer.kind === "stream") call.end.onEvent(watch);
    return answer;
  };
}

function textOf(part: { part: { case: string | undefined; value?: unknown } }): string {
  return part.part.case === "text" ? (part.part.value as string) : "";
}

/**
 * Prompts and completions, only with `record_content`. The input is the
 * call's chat as the guards left it (masked); the output is left out when a
 * guard restored masked values into it, so nothing it masked reaches a span.
 */
function recordMessages(call: Call, callTrace: CallTrace): void {
  const chat = call.chat;
  if (chat !== undefined)
    callTrace.span.setAttribute(ATTR_GEN_AI_INPUT_MESSAGES, inputMessages(chat.messages));
  const output = callTrace.output;
  const masked = call.guard?.some((verdict) => verdict.action === "redact") ?? false;
  if (output === undefined || output === "" || masked) return;
  callTrace.span.setAttribute(ATTR_GEN_AI_OUTPUT_MESSAGES, call.stream ? outputMessages([output]) : output);
}
