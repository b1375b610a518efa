import type { FinishReason, StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";

/**
 * A content delta event, the one a stream is mostly made of, built as a
 * literal. `create()` walks the schema field by field (twice: the event and
 * its ContentDelta), which showed in stream profiles; the literal costs two
 * allocations. Its type keeps it whole: a field added to either message in
 * the proto fails to compile here until it is given its default.
 */
export function deltaEvent(
  id: string,
  choiceIndex: number,
  text: string,
  reasoning: string,
  refusal: string,
): StreamResponse {
  return {
    $typeName: "llmgw.v1.StreamResponse",
    id,
    choiceIndex,
    event: {
      case: "delta",
      value: {
        $typeName: "llmgw.v1.ContentDelta",
        text,
        reasoning,
        refusal,
        reasoningSignature: "",
        redactedReasoning: "",
      },
    },
  };
}

/** A choice's finish event, built as a literal like `deltaEvent`. */
export function finishEvent(
  id: string,
  choiceIndex: number,
  reason: FinishReason,
  stopSequence = "",
): StreamResponse {
  return {
    $typeName: "llmgw.v1.StreamResponse",
    id,
    choiceIndex,
    event: { case: "finish", value: { $typeName: "llmgw.v1.Finish", reason, stopSequence } },
  };
}

/** A stream's closing usage report (the gateway's metadata is added on the way out), built as a literal. */
export function usageEvent(id: string, usage: TokenUsage): StreamResponse {
  return {
    $typeName: "llmgw.v1.StreamResponse",
    id,
    choiceIndex: 0,
    event: { case: "usage", value: { $typeName: "llmgw.v1.UsageReport", usage } },
  };
}
