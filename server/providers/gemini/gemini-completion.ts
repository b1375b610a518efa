import { create } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type CompleteResponse,
  CompleteResponseSchema,
  type FinishReason,
  Role,
  type ToolCall,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { estimateUsage } from "../../usage/token-estimate.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { GeminiCandidates } from "./gemini-candidates.ts";
import { usageFromGemini } from "./gemini-usage.ts";
import type { GeminiResponse } from "./gemini-wire-types.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content): the
 * answer is one `GenerateContentResponse` with `candidates` (one per
 * `candidateCount`), `usageMetadata`, `modelVersion` and `responseId`, or no
 * candidates and a `promptFeedback.blockReason` when the prompt was blocked
 * (answered here as an empty choice with finish reason content_filter). It
 * has no creation time, so the gateway stamps one.
 */

interface Choice {
  text: string;
  reasoning: string;
  toolCalls: Array<Pick<ToolCall, "id" | "name" | "arguments">>;
  finishReason: FinishReason | undefined;
}

/**
 * Parses a Gemini answer into the canonical response. A JSON array (what
 * streamGenerateContent answers without `alt=sse`) is read as the chunks of
 * one answer, through the same reader as a stream.
 */
export async function completionFromGemini(
  provider: string,
  text: string,
  request: ChatRequest,
  model: string,
): Promise<CompleteResponse> {
  const parsed = parseUpstreamJson<GeminiResponse | GeminiResponse[]>(provider, text);
  const reader = new GeminiCandidates(provider);
  const choices = new Map<number, Choice>();
  for (const chunk of Array.isArray(parsed) ? parsed : [parsed]) {
    for (const event of reader.push(chunk)) {
      let choice = choices.get(event.choiceIndex);
      if (choice === undefined) {
        choice = { text: "", reasoning: "", toolCalls: [], finishReason: undefined };
        choices.set(event.choiceIndex, choice);
      }
      const e = event.event;
      if (e.case === "delta") {
        choice.text += e.value.text;
        choice.reasoning += e.value.reasoning;
      } else if (e.case === "toolCall") {
        choice.toolCalls.push({ id: e.value.id, name: e.value.name, arguments: e.value.arguments });
      } else if (e.case === "finish") choice.finishReason = e.value.reason;
    }
  }
  if (choices.size === 0) {
    throw new GatewayError("upstream_error", `upstream ${provider} answered without candidates`, {
      provider,
    });
  }
  const usage = reader.usage ? usageFromGemini(reader.usage) : await estimateUsage(request, reader.output);
  return create(CompleteResponseSchema, {
    id: reader.id,
    model: reader.model || model,
    created: BigInt(Math.floor(Date.now() / 1000)),
    choices: [...choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, choice]) => ({
        index,
        message: {
          role: Role.ASSISTANT,
          content: choice.text === "" ? [] : [{ part: { case: "text" as const, value: choice.text } }],
          toolCalls: choice.toolCalls,
          reasoning: choice.reasoning,
        },
        ...(choice.finishReason === undefined ? {} : { finishReason: choice.finishReason }),
      })),
    usage,
  });
}
