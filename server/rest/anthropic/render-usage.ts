import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";

/*
 * Follows the Anthropic Messages API as documented: `input_tokens` counts
 * only the prompt tokens neither read from nor written to the prompt cache,
 * which `cache_read_input_tokens` and `cache_creation_input_tokens` report
 * apart; `output_tokens` includes thinking.
 */

/** Canonical usage as Anthropic's `usage` object (all zero when the upstream reported none). */
export function usageToAnthropic(usage: TokenUsage | undefined): Record<string, number> {
  const cached = usage?.cachedPromptTokens ?? 0;
  const created = usage?.cacheCreationTokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.promptTokens ?? 0) - cached - created),
    cache_creation_input_tokens: created,
    cache_read_input_tokens: cached,
    output_tokens: usage?.completionTokens ?? 0,
  };
}
