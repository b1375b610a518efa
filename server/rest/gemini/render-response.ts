import type { CompleteResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { renderGateway } from "../openai/render-completion.ts";
import { finishReasonToGemini, functionCallPart, usageMetadata } from "./render-parts.ts";

/**
 * A canonical completion as Gemini's `GenerateContentResponse`: one candidate
 * per choice (thinking, text, then function calls), usageMetadata,
 * modelVersion and responseId, with the gateway's `x-llmgw` object beside
 * them (clients ignore fields they do not know).
 */
export function renderGenerateResponse(response: CompleteResponse, model: string, requestId: string): string {
  const candidates = response.choices.map((choice) => {
    const message = choice.message;
    const parts: Array<Record<string, unknown>> = [];
    if (message?.reasoning) parts.push({ text: message.reasoning, thought: true });
    let text = "";
    for (const part of message?.content ?? []) if (part.part.case === "text") text += part.part.value;
    if (text !== "" || (message?.toolCalls.length ?? 0) === 0) parts.push({ text });
    let finishReason = finishReasonToGemini(choice.finishReason);
    for (const call of message?.toolCalls ?? []) {
      const part = functionCallPart(call.id, call.name, call.arguments);
      if (part === undefined) finishReason = "MALFORMED_FUNCTION_CALL";
      else parts.push(part);
    }
    return { content: { role: "model", parts }, finishReason, index: choice.index };
  });
  return JSON.stringify({
    candidates,
    usageMetadata: usageMetadata(response.usage),
    modelVersion: response.model || model,
    responseId: response.id || requestId,
    "x-llmgw": renderGateway(response.gateway),
  });
}
