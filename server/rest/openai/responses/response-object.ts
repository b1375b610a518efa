import type { JsonObject } from "@bufbuild/protobuf";
import { FinishReason } from "../../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayMetadata, TokenUsage } from "../../../../gen/llmgw/v1/usage_pb.js";
import { renderGateway } from "../render-completion.ts";

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** What a response object says beyond the request's echoed settings. */
export interface ResponseState {
  readonly id: string;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly model: string;
  readonly status: ResponseStatus;
  readonly output: readonly JsonObject[];
  readonly usage?: TokenUsage | undefined;
  readonly gateway?: GatewayMetadata | undefined;
  /** Why an incomplete response stopped: `max_output_tokens` or `content_filter`. */
  readonly incompleteReason?: string | undefined;
  readonly error?: { readonly code: string; readonly message: string } | undefined;
}

/** The `response` object: the state, the request's echoed settings, and the gateway's `x-llmgw` metadata. */
export function responseObject(echo: JsonObject, state: ResponseState): JsonObject {
  const body: JsonObject = {
    id: state.id,
    object: "response",
    created_at: state.createdAt,
    status: state.status,
    background: false,
    error: state.error === undefined ? null : { ...state.error },
    incomplete_details: state.incompleteReason === undefined ? null : { reason: state.incompleteReason },
    model: state.model,
    output: state.output as JsonObject[],
    ...echo,
    usage: state.usage === undefined ? null : renderResponseUsage(state.usage),
  };
  const meta = renderGateway(state.gateway);
  // Its undefined fields are dropped by JSON.stringify, as on chat completions.
  if (meta !== undefined) body["x-llmgw"] = meta as JsonObject;
  return body;
}

/** Canonical usage in the Responses API's names. */
export function renderResponseUsage(usage: TokenUsage): JsonObject {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedPromptTokens },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.totalTokens,
    ...(usage.estimated ? { estimated: true } : {}),
  };
}

/** The response status a finish reason gives, with the reason an incomplete response stopped. */
export function statusOf(reason: FinishReason): { status: ResponseStatus; incompleteReason?: string } {
  switch (reason) {
    case FinishReason.LENGTH:
      return { status: "incomplete", incompleteReason: "max_output_tokens" };
    case FinishReason.CONTENT_FILTER:
      return { status: "incomplete", incompleteReason: "content_filter" };
    default:
      return { status: "completed" };
  }
}
