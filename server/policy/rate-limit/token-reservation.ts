import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import type { Call } from "../../core/call.ts";
import { estimateChatTokens, estimateEmbedTokens } from "../../routing/prompt-size.ts";

/**
 * Tokens a call reserves on each token counter at admission: the routing
 * layer's cheap prompt estimate (no tokenizer) plus the caller's
 * `max_tokens`, or `defaultMaxTokens` when it sets none; an embedding
 * generates nothing, so only its input counts.
 */
export function reservedTokens(call: Call, defaultMaxTokens: number): number {
  const chat = call.chat;
  if (chat !== undefined) return estimateChatTokens(chat) + (chat.maxTokens ?? defaultMaxTokens);
  const embed = call.embed;
  if (embed !== undefined) return estimateEmbedTokens(embed);
  return defaultMaxTokens;
}

/** Tokens a call really spent, from its usage; none when it ended without any (a failure gives all back). */
export function spentTokens(usage: TokenUsage | undefined): number {
  if (usage === undefined) return 0;
  return usage.totalTokens > 0 ? usage.totalTokens : usage.promptTokens + usage.completionTokens;
}
