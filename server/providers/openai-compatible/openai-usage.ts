import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { tokenUsage } from "../../usage/token-usage.ts";
import type { OpenAIUsage } from "../../wire/openai/wire-types.ts";

/** OpenAI usage (including cached and reasoning details) to canonical TokenUsage. */
export function usageFromOpenAI(usage: OpenAIUsage): TokenUsage {
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  return tokenUsage({
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: count(usage.total_tokens) || prompt + completion,
    cachedPromptTokens: count(usage.prompt_tokens_details?.cached_tokens),
    reasoningTokens: count(usage.completion_tokens_details?.reasoning_tokens),
  });
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
