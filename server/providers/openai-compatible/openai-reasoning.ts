import type { Reasoning } from "../../../gen/llmgw/v1/chat_pb.js";

/**
 * The canonical reasoning config as chat completions' `reasoning_effort`,
 * the one reasoning field that wire has. An effort goes as it is. Thinking
 * turned off sends nothing: a model that does not reason already does not,
 * many servers refuse the field for such models, and OpenAI's o-series
 * cannot be turned off (an explicit `effort: "none"` still goes as it is).
 * A token budget (Anthropic's and Gemini's way) has no
 * field on this wire, so it becomes the nearest effort: under 4,096 tokens
 * `low`, under 16,384 `medium`, else `high` (Claude Code's "think" is about
 * 4,000 tokens, "think harder" about 32,000). Whether the reasoning is shown
 * (`include`) cannot be asked for here: upstreams that return it
 * (`reasoning_content`) do so unasked, and OpenAI never does on this API.
 * Undefined leaves it to the upstream.
 */
export function reasoningEffort(reasoning: Reasoning | undefined): string | undefined {
  if (reasoning === undefined) return undefined;
  if (reasoning.effort) return reasoning.effort;
  if (reasoning.enabled === false) return undefined;
  const budget = reasoning.budgetTokens;
  if (budget === undefined) return undefined;
  if (budget < 4_096) return "low";
  if (budget < 16_384) return "medium";
  return "high";
}
