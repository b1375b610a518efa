import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";

/** The counts of a usage record; a count left out is 0, and `estimated` false. */
export type UsageCounts = Partial<Omit<TokenUsage, "$typeName" | "$unknown">>;

/**
 * A TokenUsage built as a literal. Every answer and every stream makes one
 * (most adapters on their hot path), and `create()` walks the schema field
 * by field, which showed in stream profiles. The return type keeps the
 * literal whole: a field added to the message in the proto fails to compile
 * here until it is given its default.
 */
export function tokenUsage(counts: UsageCounts): TokenUsage {
  return {
    $typeName: "llmgw.v1.TokenUsage",
    promptTokens: counts.promptTokens ?? 0,
    completionTokens: counts.completionTokens ?? 0,
    totalTokens: counts.totalTokens ?? 0,
    cachedPromptTokens: counts.cachedPromptTokens ?? 0,
    cacheCreationTokens: counts.cacheCreationTokens ?? 0,
    reasoningTokens: counts.reasoningTokens ?? 0,
    estimated: counts.estimated ?? false,
  };
}
