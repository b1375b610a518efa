import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import { estimateChatTokens } from "../routing/prompt-size.ts";
import { tokenUsage } from "../usage/token-usage.ts";
import type { Call } from "./call.ts";

/**
 * What a stream that was cut short (the caller left, a timeout, an upstream
 * failure after the first token) consumed, when no usage report arrived: its
 * prompt, as the routing estimate counts it, and one completion token per
 * content or tool-call chunk handed on (what OpenAI-style upstreams send).
 * Marked `estimated`. Undefined when nothing was streamed: the call consumed
 * nothing the gateway can see, so budgets release it and the ledger bills 0.
 */
export function consumedUsage(call: Call, streamedChunks: number): TokenUsage | undefined {
  if (streamedChunks === 0 || call.chat === undefined) return undefined;
  const promptTokens = estimateChatTokens(call.chat);
  return tokenUsage({
    promptTokens,
    completionTokens: streamedChunks,
    totalTokens: promptTokens + streamedChunks,
    estimated: true,
  });
}
