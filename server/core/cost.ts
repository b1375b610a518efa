import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import type { ModelPricing } from "../config/schema.ts";

/**
 * The cost of one completion in US dollars, or undefined when the model has
 * no price. Cached prompt tokens are billed at the cached rate (the input
 * rate when none is set); reasoning tokens are part of completion tokens.
 */
export function costUsd(
  usage: TokenUsage | undefined,
  pricing: ModelPricing | undefined,
): number | undefined {
  if (usage === undefined || pricing === undefined) return undefined;
  const cached = Math.min(usage.cachedPromptTokens, usage.promptTokens);
  const fresh = usage.promptTokens - cached;
  const cost =
    fresh * pricing.input +
    cached * (pricing.cached_input ?? pricing.input) +
    usage.completionTokens * pricing.output;
  return cost / 1_000_000;
}
