import type { Reasoning } from "../../../gen/llmgw/v1/chat_pb.js";

/*
 * Follows the Gemini API reference (ai.google.dev/gemini-api/docs/thinking):
 * `generationConfig.thinkingConfig` is `{thinkingBudget, thinkingLevel,
 * includeThoughts}`; a budget of 0 turns thinking off (where the model
 * allows it), -1 lets the model decide, and Gemini 3 models take a
 * `thinkingLevel` (MINIMAL, LOW, MEDIUM, HIGH) instead of a budget. With
 * `includeThoughts`, thought summaries come back as parts with
 * `thought: true`.
 */

/** Canonical Reasoning as Gemini's thinkingConfig; undefined when it asks for nothing. */
export function thinkingConfig(reasoning: Reasoning | undefined): Record<string, unknown> | undefined {
  if (reasoning === undefined) return undefined;
  const config: Record<string, unknown> = {};
  if (reasoning.enabled === false) config.thinkingBudget = 0;
  else if (reasoning.budgetTokens !== undefined) config.thinkingBudget = reasoning.budgetTokens;
  else if (reasoning.effort) config.thinkingLevel = reasoning.effort.toUpperCase();
  else if (reasoning.enabled === true) config.thinkingBudget = -1;
  if (reasoning.include !== undefined) config.includeThoughts = reasoning.include;
  return Object.keys(config).length === 0 ? undefined : config;
}
