import { FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content):
 * a candidate's parts are `{text}`, `{text, thought: true}` for thinking and
 * `{functionCall: {name, args}}` with `args` a JSON object; finishReason is
 * STOP (also after a function call), MAX_TOKENS, SAFETY, OTHER or
 * MALFORMED_FUNCTION_CALL among others; usageMetadata's
 * candidatesTokenCount leaves out thoughtsTokenCount, and promptTokenCount
 * includes cachedContentTokenCount.
 */

type Json = Record<string, unknown>;

/** The canonical finish reason as Gemini's. */
export function finishReasonToGemini(reason: FinishReason): string {
  switch (reason) {
    case FinishReason.STOP:
    case FinishReason.TOOL_CALLS:
      return "STOP";
    case FinishReason.LENGTH:
      return "MAX_TOKENS";
    case FinishReason.CONTENT_FILTER:
      return "SAFETY";
    default:
      return "OTHER";
  }
}

/** Canonical usage as `usageMetadata`; the zero counts Gemini leaves out are left out. */
export function usageMetadata(usage: TokenUsage | undefined): Json | undefined {
  if (usage === undefined) return undefined;
  const thoughts = usage.reasoningTokens;
  const out: Json = {
    promptTokenCount: usage.promptTokens,
    candidatesTokenCount: Math.max(0, usage.completionTokens - thoughts),
    totalTokenCount: usage.totalTokens || usage.promptTokens + usage.completionTokens,
  };
  if (usage.cachedPromptTokens > 0) out.cachedContentTokenCount = usage.cachedPromptTokens;
  if (thoughts > 0) out.thoughtsTokenCount = thoughts;
  return out;
}

/**
 * A tool call as a `functionCall` part, or undefined when its arguments are
 * not a JSON object (Gemini's `args` must be one): the candidate then
 * finishes with MALFORMED_FUNCTION_CALL, as Gemini's own do.
 */
export function functionCallPart(id: string, name: string, args: string): Json | undefined {
  let parsed: unknown;
  try {
    parsed = args.trim() === "" ? {} : JSON.parse(args);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  return { functionCall: id ? { id, name, args: parsed } : { name, args: parsed } };
}
