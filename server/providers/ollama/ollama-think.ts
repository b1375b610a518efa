import type { Reasoning } from "../../../gen/llmgw/v1/chat_pb.js";

/*
 * Follows Ollama's API reference for `think` on `/api/chat`: `true` or
 * `false`, or an effort `"low"`, `"medium"` or `"high"` for the models that
 * take levels. The thinking comes back in `message.thinking`.
 */

const LEVELS = new Set(["low", "medium", "high"]);

/**
 * The canonical reasoning config as Ollama's `think`, or undefined to leave
 * it to the model: off when `enabled` is false, the effort when it names one
 * of Ollama's levels (`minimal` is its `low`), and on for a budget (Ollama
 * takes none) or a bare `enabled`.
 */
export function ollamaThink(reasoning: Reasoning | undefined): boolean | string | undefined {
  if (reasoning === undefined) return undefined;
  if (reasoning.enabled === false) return false;
  if (LEVELS.has(reasoning.effort)) return reasoning.effort;
  if (reasoning.effort === "minimal") return "low";
  if (reasoning.effort || reasoning.budgetTokens !== undefined || reasoning.enabled === true) return true;
  return undefined;
}
