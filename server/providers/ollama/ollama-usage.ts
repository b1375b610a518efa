import { type ChatRequest, FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { estimateUsage } from "../../usage/token-estimate.ts";
import { tokenUsage } from "../../usage/token-usage.ts";
import type { OllamaChatResponse } from "./ollama-wire-types.ts";

/*
 * Follows Ollama's API reference: the final answer (or last streamed line)
 * reports `prompt_eval_count` (prompt tokens evaluated) and `eval_count`
 * (tokens generated), and `done_reason` is `stop` (also when the model called
 * tools), `length` (num_predict reached), or `load`/`unload` for requests
 * that only load or unload a model.
 */

/**
 * Ollama's counts to canonical TokenUsage. A count Ollama left out (it omits
 * `prompt_eval_count` when the whole prompt was cached, and some builds send
 * no counts at all) is estimated, and the usage is then marked `estimated`.
 */
export async function usageFromOllama(
  final: OllamaChatResponse,
  request: ChatRequest,
  output: string,
): Promise<TokenUsage> {
  const prompt = count(final.prompt_eval_count);
  const completion = count(final.eval_count);
  if (prompt !== undefined && completion !== undefined) {
    return tokenUsage({
      promptTokens: prompt,
      completionTokens: completion,
      totalTokens: prompt + completion,
    });
  }
  const estimate = await estimateUsage(request, output);
  const promptTokens = prompt ?? estimate.promptTokens;
  const completionTokens = completion ?? estimate.completionTokens;
  return tokenUsage({
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    estimated: true,
  });
}

/** Ollama's done_reason to the canonical finish reason; a stop with tool calls is TOOL_CALLS. */
export function finishReasonFromOllama(reason: string | undefined, toolCalls: boolean): FinishReason {
  switch (reason) {
    case undefined:
    case "":
    case "stop":
      return toolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP;
    case "length":
      return FinishReason.LENGTH;
    case "load":
    case "unload":
      return FinishReason.STOP;
    default:
      return toolCalls ? FinishReason.TOOL_CALLS : FinishReason.UNSPECIFIED;
  }
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}
