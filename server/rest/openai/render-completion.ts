import type { CompleteResponse, Message } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayMetadata, TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { finishReasonToOpenAI } from "../../wire/openai/finish-reason.ts";

/** A canonical completion as OpenAI's `chat.completion` JSON, with the gateway's `x-llmgw` object. */
export function renderCompletion(response: CompleteResponse, model: string): string {
  return JSON.stringify({
    id: response.id || `chatcmpl-${response.gateway?.requestId ?? ""}`,
    object: "chat.completion",
    created: Number(response.created),
    model: response.model || model,
    choices: response.choices.map((choice) => ({
      index: choice.index,
      message: renderMessage(choice.message),
      logprobs: null,
      finish_reason: finishReasonToOpenAI(choice.finishReason) ?? "stop",
    })),
    usage: renderUsage(response.usage),
    "x-llmgw": renderGateway(response.gateway),
  });
}

function renderMessage(message: Message | undefined): Record<string, unknown> {
  let text = "";
  for (const part of message?.content ?? []) if (part.part.case === "text") text += part.part.value;
  const out: Record<string, unknown> = {
    role: "assistant",
    content: text === "" && (message?.toolCalls.length ?? 0) > 0 ? null : text,
    refusal: message?.refusal || null,
  };
  if (message?.reasoning) out.reasoning_content = message.reasoning;
  if (message !== undefined && message.toolCalls.length > 0) {
    out.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return out;
}

export function renderUsage(usage: TokenUsage | undefined): Record<string, unknown> | null {
  if (usage === undefined) return null;
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    ...(usage.estimated ? { estimated: true } : {}),
  };
}

/**
 * The gateway's own metadata object, `x-llmgw`, in snake_case like the rest of the body. Optional
 * fields are left undefined, which JSON.stringify drops, so every answer builds the same two objects.
 */
export function renderGateway(meta: GatewayMetadata | undefined): Record<string, unknown> | undefined {
  if (meta === undefined) return undefined;
  const decision = meta.routingDecision;
  return {
    request_id: meta.requestId,
    provider: meta.provider,
    model: meta.model,
    latency_ms: meta.latencyMs,
    ttft_ms: meta.ttftMs,
    cost_usd: meta.costUsd,
    routing_decision:
      decision === undefined
        ? undefined
        : {
            strategy: decision.strategy,
            deployment: decision.deployment,
            score: decision.score,
            complexity: decision.complexity || undefined,
          },
    attempts: meta.attempts,
    fallback_used: meta.fallbackUsed,
    queue_ms: meta.queueMs,
    deployment: meta.deployment,
    ...(meta.cacheHit
      ? {
          cache_hit: true,
          cache_kind: meta.cacheKind,
          similarity: meta.similarity,
          cost_saved_usd: meta.costSavedUsd,
        }
      : {}),
  };
}
