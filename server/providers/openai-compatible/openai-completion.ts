import { create } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type CompleteResponse,
  CompleteResponseSchema,
  Role,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { estimateUsage } from "../../usage/token-estimate.ts";
import { finishReasonFromOpenAI } from "../../wire/openai/finish-reason.ts";
import type { OpenAICompletion } from "../../wire/openai/wire-types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { usageFromOpenAI } from "./openai-usage.ts";

/** Parses an upstream's non-streamed chat completion into the canonical response. */
export async function completionFromOpenAI(
  provider: string,
  text: string,
  request: ChatRequest,
): Promise<CompleteResponse> {
  const parsed = parseUpstreamJson<OpenAICompletion>(provider, text);
  if (parsed === null || typeof parsed !== "object" || !Array.isArray(parsed.choices)) {
    throw new GatewayError("upstream_error", `upstream ${provider} answered without choices`, { provider });
  }
  let outputText = "";
  const choices = parsed.choices.map((choice, i) => {
    const message = choice.message ?? { role: "assistant" };
    const content = typeof message.content === "string" ? message.content : "";
    const toolCalls = (message.tool_calls ?? []).map((call) => ({
      id: call.id ?? "",
      name: call.function?.name ?? "",
      arguments: call.function?.arguments ?? "",
    }));
    outputText += content;
    for (const call of toolCalls) outputText += call.name + call.arguments;
    return {
      index: choice.index ?? i,
      message: {
        role: Role.ASSISTANT,
        content: content === "" ? [] : [{ part: { case: "text" as const, value: content } }],
        toolCalls,
        refusal: message.refusal ?? "",
        reasoning: message.reasoning_content ?? message.reasoning ?? "",
      },
      finishReason: finishReasonFromOpenAI(choice.finish_reason),
    };
  });
  const usage =
    parsed.usage && typeof parsed.usage === "object"
      ? usageFromOpenAI(parsed.usage)
      : await estimateUsage(request, outputText);
  return create(CompleteResponseSchema, {
    id: parsed.id ?? "",
    model: parsed.model ?? "",
    created: BigInt(Math.floor(parsed.created ?? Date.now() / 1000)),
    choices,
    usage,
  });
}
