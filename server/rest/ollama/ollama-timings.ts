import { FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayMetadata, TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";

const NS_PER_MS = 1e6;

/**
 * The counters and durations of Ollama's last answer object, in nanoseconds,
 * from the gateway's own timings (an upstream that is not Ollama has none):
 * - `total_duration`: from the request's arrival to the last byte;
 * - `load_duration`: time spent waiting in a deployment's queue, the
 *   gateway's nearest thing to loading a model;
 * - `prompt_eval_duration`: from then to the first token;
 * - `eval_duration`: from the first token to the last (0 for an answer that
 *   was not streamed, whose tokens all arrive at once);
 * - `prompt_eval_count` / `eval_count`: prompt and completion tokens.
 */
export function ollamaTimings(
  usage: TokenUsage | undefined,
  gateway: GatewayMetadata | undefined,
): Record<string, number> {
  const total = gateway?.latencyMs ?? 0;
  const queue = gateway?.queueMs ?? 0;
  const ttft = Math.min(gateway?.ttftMs ?? total, total);
  return {
    total_duration: ns(total),
    load_duration: ns(queue),
    prompt_eval_count: usage?.promptTokens ?? 0,
    prompt_eval_duration: ns(Math.max(ttft - queue, 0)),
    eval_count: usage?.completionTokens ?? 0,
    eval_duration: ns(total - ttft),
  };
}

/** Ollama's `done_reason`: it has no tool-call or filter reason, so those say what happened in its words. */
export function doneReason(reason: FinishReason): string {
  switch (reason) {
    case FinishReason.LENGTH:
      return "length";
    // Ollama itself ends a tool-calling turn with "stop".
    case FinishReason.TOOL_CALLS:
      return "stop";
    case FinishReason.CONTENT_FILTER:
      return "content_filter";
    default:
      return "stop";
  }
}

function ns(ms: number): number {
  return Math.round(ms * NS_PER_MS);
}
