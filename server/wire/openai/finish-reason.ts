import { FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";

/** OpenAI's finish_reason string to the canonical enum. Unknown values are kept as unspecified. */
export function finishReasonFromOpenAI(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case "stop":
      return FinishReason.STOP;
    case "length":
      return FinishReason.LENGTH;
    // `function_call` is the legacy name of the same outcome.
    case "tool_calls":
    case "function_call":
      return FinishReason.TOOL_CALLS;
    case "content_filter":
      return FinishReason.CONTENT_FILTER;
    default:
      return FinishReason.UNSPECIFIED;
  }
}

/** The canonical enum to OpenAI's finish_reason; unspecified becomes null, as OpenAI sends mid-stream. */
export function finishReasonToOpenAI(reason: FinishReason): string | null {
  switch (reason) {
    case FinishReason.STOP:
      return "stop";
    case FinishReason.LENGTH:
      return "length";
    case FinishReason.TOOL_CALLS:
      return "tool_calls";
    case FinishReason.CONTENT_FILTER:
      return "content_filter";
    default:
      return null;
  }
}
