import { FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";

/*
 * Follows the Anthropic Messages API as documented: `stop_reason` is
 * end_turn, max_tokens, stop_sequence (with `stop_sequence` naming the one
 * matched), tool_use, pause_turn or refusal.
 */

/**
 * The canonical finish as Anthropic's `stop_reason`. Some upstreams say
 * `stop` while calling tools; Anthropic clients run tools on `tool_use`, so
 * an answer with tool calls that stopped normally says tool_use.
 */
export function stopReasonToAnthropic(
  reason: FinishReason,
  stopSequence: string,
  toolCalls: boolean,
): string {
  switch (reason) {
    case FinishReason.LENGTH:
      return "max_tokens";
    case FinishReason.TOOL_CALLS:
      return "tool_use";
    case FinishReason.CONTENT_FILTER:
      return "refusal";
    default:
      if (stopSequence !== "") return "stop_sequence";
      return toolCalls ? "tool_use" : "end_turn";
  }
}
