import type { Attributes } from "@opentelemetry/api";
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from "@opentelemetry/semantic-conventions/incubating";
import { FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";
import { type Call, requestedModel } from "../../core/call.ts";
import type { Outcome } from "../../core/end-hooks.ts";
import type { CallTrace } from "./call-trace.ts";

/** The GenAI operation a call is (`gen_ai.operation.name`). */
export function operationName(call: Call): string {
  return call.op === "embed" ? "embeddings" : "chat";
}

/** The span name the GenAI conventions ask for: `{operation} {model}`. */
export function spanName(call: Call): string {
  const model = requestedModel(call);
  return model === "" ? operationName(call) : `${operationName(call)} ${model}`;
}

/**
 * What a finished call's span records: the GenAI conventions' attributes and
 * the gateway's own (`llmgw.*`). The key's name, never the key.
 */
export function endAttributes(call: Call, outcome: Outcome, trace: CallTrace): Attributes {
  const served = outcome.served;
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: operationName(call),
    [ATTR_GEN_AI_REQUEST_MODEL]: requestedModel(call),
    "llmgw.request_id": call.requestId,
    "llmgw.surface": call.surface,
    "llmgw.status": outcome.status,
    "llmgw.attempts": outcome.attempts,
    "llmgw.stream": call.stream,
    "llmgw.latency_ms": outcome.latencyMs,
  };
  if (served !== undefined) {
    attributes[ATTR_GEN_AI_PROVIDER_NAME] = served.provider;
    attributes["llmgw.deployment"] = served.id;
  }
  const responseModel = trace.responseModel || served?.model;
  if (responseModel) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
  if (trace.finishReasons.length > 0) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = trace.finishReasons;
  const usage = outcome.usage;
  if (usage !== undefined) {
    attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = usage.promptTokens;
    attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = usage.completionTokens;
    if (usage.cachedPromptTokens > 0)
      attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = usage.cachedPromptTokens;
    if (usage.reasoningTokens > 0)
      attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = usage.reasoningTokens;
    if (usage.estimated) attributes["llmgw.usage.estimated"] = true;
  }
  if (outcome.ttftMs > 0 && call.stream) attributes["llmgw.ttft_ms"] = outcome.ttftMs;
  if (outcome.costUsd !== undefined) attributes["llmgw.cost_usd"] = outcome.costUsd;
  if (call.queueMs > 0) attributes["llmgw.queue_ms"] = call.queueMs;
  if (call.key !== undefined) {
    attributes["llmgw.key.name"] = call.key.name;
    if (call.key.team !== "") attributes["llmgw.key.team"] = call.key.team;
  }
  const cache = call.cache;
  attributes["llmgw.cache.hit"] = cache !== undefined;
  if (cache !== undefined) {
    attributes["llmgw.cache.kind"] = cache.kind;
    attributes["llmgw.cache.similarity"] = cache.similarity;
  }
  if (outcome.error !== undefined) attributes["error.type"] = outcome.error.code;
  return attributes;
}

/** A finish reason as the GenAI conventions spell it (OpenAI's words). */
export function finishReasonName(reason: FinishReason): string {
  switch (reason) {
    case FinishReason.STOP:
      return "stop";
    case FinishReason.LENGTH:
      return "length";
    case FinishReason.TOOL_CALLS:
      return "tool_calls";
    case FinishReason.CONTENT_FILTER:
      return "content_filter";
    default:
      return "unknown";
  }
}
