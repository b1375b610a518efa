import {
  type ChatRequest,
  type Choice,
  type CompleteResponse,
  type ContentPart,
  Role,
  type ToolCall,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { estimateUsage } from "../../usage/token-estimate.ts";
import { finishReasonFromOpenAI } from "../../wire/openai/finish-reason.ts";
import type { OpenAICompletion } from "../../wire/openai/wire-types.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { usageFromOpenAI } from "./openai-usage.ts";

/**
 * Parses an upstream's non-streamed chat completion into the canonical
 * response, built as literals: `create()` walks the schema of every nested
 * message (response, choices, messages, parts, tool calls), which was the
 * largest part of this function in unary profiles. The types keep each
 * literal whole: a field added in the proto fails to compile here until it
 * is given its default.
 */
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
  const choices = parsed.choices.map((choice, i): Choice => {
    const message = choice.message ?? { role: "assistant" };
    const content = typeof message.content === "string" ? message.content : "";
    const toolCalls = (message.tool_calls ?? []).map(
      (call): ToolCall => ({
        $typeName: "llmgw.v1.ToolCall",
        id: call.id ?? "",
        name: call.function?.name ?? "",
        arguments: call.function?.arguments ?? "",
      }),
    );
    outputText += content;
    for (const call of toolCalls) outputText += call.name + call.arguments;
    const parts: ContentPart[] =
      content === "" ? [] : [{ $typeName: "llmgw.v1.ContentPart", part: { case: "text", value: content } }];
    return {
      $typeName: "llmgw.v1.Choice",
      index: choice.index ?? i,
      message: {
        $typeName: "llmgw.v1.Message",
        role: Role.ASSISTANT,
        content: parts,
        name: "",
        toolCalls,
        toolCallId: "",
        refusal: message.refusal ?? "",
        reasoning: message.reasoning_content ?? message.reasoning ?? "",
        reasoningSignature: "",
        redactedReasoning: [],
        toolError: false,
      },
      finishReason: finishReasonFromOpenAI(choice.finish_reason),
      stopSequence: "",
    };
  });
  const usage =
    parsed.usage && typeof parsed.usage === "object"
      ? usageFromOpenAI(parsed.usage)
      : await estimateUsage(request, outputText);
  return {
    $typeName: "llmgw.v1.CompleteResponse",
    id: parsed.id ?? "",
    model: parsed.model ?? "",
    created: BigInt(Math.floor(parsed.created ?? Date.now() / 1000)),
    choices,
    usage,
  };
}
