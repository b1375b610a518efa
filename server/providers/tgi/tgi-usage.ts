import { type ChatRequest, FinishReason } from "../../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import { estimateUsage } from "../../usage/token-estimate.ts";
import { tokenUsage } from "../../usage/token-usage.ts";
import type { TgiDetails } from "./tgi-wire-types.ts";

/*
 * Follows TGI's `details`: `finish_reason` is `eos_token`, `stop_sequence`
 * or `length`; `generated_tokens` counts every generated token (the EOS
 * token included); the prompt's size is `input_length` where the release
 * reports it, else the length of `prefill` when one was asked for.
 */

/** TGI's finish_reason to the canonical one; unknown values stay unspecified. */
export function finishReasonFromTgi(reason: string | undefined): FinishReason {
  if (reason === "eos_token" || reason === "stop_sequence") return FinishReason.STOP;
  if (reason === "length") return FinishReason.LENGTH;
  return FinishReason.UNSPECIFIED;
}

/**
 * Canonical usage from TGI's details. The completion count is always TGI's
 * own; when TGI does not say how long the prompt was, the prompt is
 * estimated from the request and the usage is marked `estimated`.
 */
export async function usageFromTgi(details: TgiDetails, request: ChatRequest): Promise<TokenUsage> {
  const completion = count(details.generated_tokens);
  const reported =
    count(details.input_length) || count(details.prompt_tokens) || details.prefill?.length || 0;
  const prompt = reported > 0 ? reported : (await estimateUsage(request, "")).promptTokens;
  return tokenUsage({
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    estimated: reported === 0,
  });
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
