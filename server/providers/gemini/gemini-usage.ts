import { FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { tokenUsage } from "../../usage/token-usage.ts";
import type { GeminiUsage } from "./gemini-wire-types.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content,
 * `UsageMetadata` and `Candidate.FinishReason`):
 * - `promptTokenCount` is the whole prompt, `cachedContentTokenCount`
 *   included; `toolUsePromptTokenCount` (tool-use prompts such as search
 *   results) is counted apart;
 * - `candidatesTokenCount` excludes thinking, which is `thoughtsTokenCount`;
 * - finish reasons: STOP (natural stop or stop sequence, also after a
 *   function call), MAX_TOKENS, SAFETY, RECITATION, LANGUAGE, OTHER,
 *   BLOCKLIST, PROHIBITED_CONTENT, SPII, MALFORMED_FUNCTION_CALL,
 *   IMAGE_SAFETY and newer variants.
 */

/** Gemini usage to canonical TokenUsage: thinking counts as completion, the cached part stays inside the prompt. */
export function usageFromGemini(usage: GeminiUsage): TokenUsage {
  const prompt = count(usage.promptTokenCount) + count(usage.toolUsePromptTokenCount);
  const thoughts = count(usage.thoughtsTokenCount);
  const completion = count(usage.candidatesTokenCount) + thoughts;
  return tokenUsage({
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    cachedPromptTokens: count(usage.cachedContentTokenCount),
    reasoningTokens: thoughts,
  });
}

const FILTERED = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
]);

/** Ends that are neither a limit nor a filter; OpenAI callers expect a reason, so they read as a stop. */
const OTHER_STOPS = new Set([
  "FINISH_REASON_UNSPECIFIED",
  "OTHER",
  "LANGUAGE",
  "MALFORMED_FUNCTION_CALL",
  "UNEXPECTED_TOOL_CALL",
  "TOO_MANY_TOOL_CALLS",
]);

/**
 * Gemini's finishReason to the canonical one. Gemini says STOP after a
 * function call too, so a candidate that called a tool finishes with
 * TOOL_CALLS. Unknown values stay unspecified.
 */
export function finishReasonFromGemini(reason: string | undefined, calledTools: boolean): FinishReason {
  if (reason === "STOP") return calledTools ? FinishReason.TOOL_CALLS : FinishReason.STOP;
  if (reason === "MAX_TOKENS") return FinishReason.LENGTH;
  if (reason !== undefined && FILTERED.has(reason)) return FinishReason.CONTENT_FILTER;
  if (reason !== undefined && OTHER_STOPS.has(reason)) return FinishReason.STOP;
  return FinishReason.UNSPECIFIED;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
