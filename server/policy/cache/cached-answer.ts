import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type CachedAnswer, CachedAnswerSchema } from "../../../gen/llmgw/v1/cache_pb.js";
import { type CompleteResponse, FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";

/**
 * Whether an answer may be kept: every choice finished for a reason the
 * model gave (not withheld by a content filter, not unreported) with no
 * refusal, and the usage is known (a replay must report it). Errors, cut-short
 * streams and guard-blocked calls never get here: only a call that ended
 * `ok` is offered.
 */
export function cacheable(response: CompleteResponse): boolean {
  if (response.choices.length === 0 || response.usage === undefined) return false;
  for (const choice of response.choices) {
    if (choice.finishReason === FinishReason.UNSPECIFIED) return false;
    if (choice.finishReason === FinishReason.CONTENT_FILTER) return false;
    if (choice.message === undefined || choice.message.refusal !== "") return false;
  }
  return true;
}

/** An answer as the store keeps it: the completion without its gateway metadata, and what it cost. */
export function encodeAnswer(response: CompleteResponse, costUsd: number | undefined): Uint8Array {
  return toBinary(
    CachedAnswerSchema,
    create(CachedAnswerSchema, {
      response: { ...response, gateway: undefined },
      ...(costUsd === undefined ? {} : { costUsd }),
      storedAtMs: BigInt(Date.now()),
    }),
  );
}

/** A stored answer, decoded afresh for each hit (the pipeline stamps its own metadata on it); undefined if unreadable. */
export function decodeAnswer(bytes: Uint8Array): CachedAnswer | undefined {
  try {
    const answer = fromBinary(CachedAnswerSchema, bytes);
    return answer.response === undefined ? undefined : answer;
  } catch {
    return undefined;
  }
}
