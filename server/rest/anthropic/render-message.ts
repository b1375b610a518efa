import type { CompleteResponse, Message } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { renderGateway } from "../openai/render-completion.ts";
import { usageToAnthropic } from "./render-usage.ts";
import { stopReasonToAnthropic } from "./stop-reason.ts";

/*
 * Follows the Anthropic Messages API as documented: the answer is a
 * `message` `{id, type: "message", role: "assistant", model, content,
 * stop_reason, stop_sequence, usage}` whose content lists `thinking
 * {thinking, signature}` and `redacted_thinking {data}` blocks first, then
 * `text` and `tool_use {id, name, input}` blocks.
 */

type Block = Record<string, unknown>;

/** The message id: the upstream's, else one made from the request id. */
export function messageId(id: string, requestId: string): string {
  return id || `msg_${requestId}`;
}

/** A canonical completion as Anthropic's `message` JSON, with the gateway's `x-llmgw` object. */
export function renderMessage(response: CompleteResponse, model: string, requestId: string): string {
  const choice = response.choices[0];
  const message = choice?.message;
  const content = message === undefined ? [] : contentBlocks(message, response.model);
  const stopSequence = choice?.stopSequence ?? "";
  return JSON.stringify({
    id: messageId(response.id, requestId),
    type: "message",
    role: "assistant",
    model: response.model || model,
    content,
    stop_reason: stopReasonToAnthropic(
      choice?.finishReason ?? 0,
      stopSequence,
      (message?.toolCalls.length ?? 0) > 0,
    ),
    stop_sequence: stopSequence || null,
    usage: usageToAnthropic(response.usage),
    "x-llmgw": renderGateway(response.gateway),
  });
}

function contentBlocks(message: Message, model: string): Block[] {
  const blocks: Block[] = [];
  if (message.reasoning || message.reasoningSignature) {
    blocks.push({ type: "thinking", thinking: message.reasoning, signature: message.reasoningSignature });
  }
  for (const data of message.redactedReasoning) blocks.push({ type: "redacted_thinking", data });
  let text = "";
  for (const part of message.content) if (part.part.case === "text") text += part.part.value;
  if (message.refusal) text += message.refusal;
  if (text !== "") blocks.push({ type: "text", text });
  for (const call of message.toolCalls) {
    blocks.push({ type: "tool_use", id: call.id, name: call.name, input: toolInput(call.arguments, model) });
  }
  return blocks;
}

/** Tool arguments as the object Anthropic's `input` is; arguments that are not one are the upstream's fault. */
function toolInput(args: string, model: string): unknown {
  if (args.trim() === "") return {};
  try {
    const input: unknown = JSON.parse(args);
    if (input !== null && typeof input === "object" && !Array.isArray(input)) return input;
  } catch {
    // falls through to the error below
  }
  throw new GatewayError(
    "upstream_error",
    `the model ${model} called a tool with arguments that are not a JSON object`,
  );
}
