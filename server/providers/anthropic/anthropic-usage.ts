import { FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { tokenUsage } from "../../usage/token-usage.ts";
import type { AnthropicUsage } from "./anthropic-wire-types.ts";

/*
 * Follows the Anthropic Messages API as documented:
 * - `usage.input_tokens` counts only the uncached prompt tokens; tokens read
 *   from the prompt cache (`cache_read_input_tokens`) and written to it
 *   (`cache_creation_input_tokens`) are reported apart, so the prompt total is
 *   their sum;
 * - `output_tokens` includes thinking tokens (not reported separately);
 * - `stop_reason` is one of end_turn, max_tokens, stop_sequence, tool_use,
 *   pause_turn, refusal or model_context_window_exceeded.
 */

/** Anthropic usage to canonical TokenUsage, with the cache counts kept apart and added into the prompt. */
export function usageFromAnthropic(usage: AnthropicUsage): TokenUsage {
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheCreation = count(usage.cache_creation_input_tokens);
  const prompt = count(usage.input_tokens) + cacheRead + cacheCreation;
  const completion = count(usage.output_tokens);
  return tokenUsage({
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    cachedPromptTokens: cacheRead,
    cacheCreationTokens: cacheCreation,
  });
}

/** Anthropic's stop_reason to the canonical finish reason; unknown values stay unspecified. */
export function finishReasonFromAnthropic(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
    case "pause_turn":
      return FinishReason.STOP;
    case "max_tokens":
    case "model_context_window_exceeded":
      return FinishReason.LENGTH;
    case "tool_use":
      return FinishReason.TOOL_CALLS;
    case "refusal":
      return FinishReason.CONTENT_FILTER;
    default:
      return FinishReason.UNSPECIFIED;
  }
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
