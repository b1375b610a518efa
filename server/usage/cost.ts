import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import type { ModelPricing } from "../config/schema.ts";

/**
 * The cost of one completion in US dollars, or undefined when the model has
 * no price. `promptTokens` includes the tokens read from the prompt cache and
 * the tokens written to it (see usage.proto and the Anthropic adapter), so
 * those are taken out of the fresh count and billed apart:
 * - fresh prompt tokens at `input`;
 * - cached prompt tokens at `cached_input` (`input` when unset);
 * - cache-creation tokens at `cache_write` (`input` when unset);
 * - completion tokens, reasoning included, at `output`.
 * Counts that claim more cache tokens than prompt tokens are clamped, so a
 * confused upstream can never make a cost negative.
 */
export function costUsd(
  usage: TokenUsage | undefined,
  pricing: ModelPricing | undefined,
): number | undefined {
  if (usage === undefined || pricing === undefined) return undefined;
  const cached = Math.min(usage.cachedPromptTokens, usage.promptTokens);
  const written = Math.min(usage.cacheCreationTokens, usage.promptTokens - cached);
  const fresh = usage.promptTokens - cached - written;
  const cost =
    fresh * pricing.input +
    cached * (pricing.cached_input ?? pricing.input) +
    written * (pricing.cache_write ?? pricing.input) +
    usage.completionTokens * pricing.output;
  return cost / 1_000_000;
}
