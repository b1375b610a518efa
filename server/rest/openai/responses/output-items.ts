import type { JsonObject } from "@bufbuild/protobuf";
import type { Message } from "../../../../gen/llmgw/v1/chat_pb.js";
import { itemId } from "./response-ids.ts";

/**
 * Output items in the Responses API's shape: `reasoning` (its text as one
 * summary part), `message` (an `output_text` part, and a `refusal` part when
 * the model refused) and `function_call`. The stream renderer and the JSON
 * renderer build the same items here, so a streamed response and a JSON one
 * (and the stored copy of either) are alike.
 */

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export function reasoningItem(id: string, text: string): JsonObject {
  return { id, type: "reasoning", summary: text === "" ? [] : [summaryPart(text)] };
}

export function summaryPart(text: string): JsonObject {
  return { type: "summary_text", text };
}

export function messageItem(id: string, parts: JsonObject[], status: ItemStatus): JsonObject {
  return { id, type: "message", status, role: "assistant", content: parts };
}

export function textPart(text: string): JsonObject {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

export function refusalPart(refusal: string): JsonObject {
  return { type: "refusal", refusal };
}

export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  args: string,
  status: ItemStatus,
): JsonObject {
  return { id, type: "function_call", status, call_id: callId, name, arguments: args };
}

/** A whole canonical answer as output items, in the order a stream would have sent them. */
export function outputFromMessage(
  responseId: string,
  message: Message | undefined,
  status: ItemStatus,
): JsonObject[] {
  const output: JsonObject[] = [];
  if (message === undefined) return output;
  if (message.reasoning)
    output.push(reasoningItem(itemId("rs", responseId, output.length), message.reasoning));
  let text = "";
  for (const part of message.content) if (part.part.case === "text") text += part.part.value;
  const parts: JsonObject[] = [];
  if (text !== "" || (message.toolCalls.length === 0 && !message.refusal)) parts.push(textPart(text));
  if (message.refusal) parts.push(refusalPart(message.refusal));
  if (parts.length > 0) output.push(messageItem(itemId("msg", responseId, output.length), parts, status));
  for (const call of message.toolCalls) {
    const id = itemId("fc", responseId, output.length);
    output.push(
      functionCallItem(id, call.id || `call_${id.slice(3)}`, call.name, call.arguments, "completed"),
    );
  }
  return output;
}
