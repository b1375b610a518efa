import { create } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type CompleteResponse,
  CompleteResponseSchema,
  Role,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { estimateUsage } from "../../usage/token-estimate.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { finishReasonFromAnthropic, usageFromAnthropic } from "./anthropic-usage.ts";
import type { AnthropicMessage } from "./anthropic-wire-types.ts";

/*
 * Follows the Anthropic Messages API as documented: the answer is one
 * `message` with `id`, `model`, `content` blocks (`text`, `thinking`,
 * `redacted_thinking`, `tool_use` with an `input` object), `stop_reason` and
 * `usage`. It has no creation time, so the gateway stamps one.
 */

/** Parses an Anthropic message answer into the canonical response (one choice). */
export async function completionFromAnthropic(
  provider: string,
  text: string,
  request: ChatRequest,
): Promise<CompleteResponse> {
  const parsed = parseUpstreamJson<AnthropicMessage>(provider, text);
  if (parsed === null || typeof parsed !== "object" || !Array.isArray(parsed.content)) {
    throw new GatewayError("upstream_error", `upstream ${provider} answered without content`, { provider });
  }
  let answer = "";
  let reasoning = "";
  let signature = "";
  const redacted: string[] = [];
  const toolCalls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const block of parsed.content) {
    if (block.type === "text" && typeof block.text === "string") answer += block.text;
    else if (block.type === "thinking" && typeof block.thinking === "string") {
      reasoning += block.thinking;
      // The signature covers the thinking; with several blocks the last one's goes back.
      if (typeof block.signature === "string" && block.signature !== "") signature = block.signature;
    } else if (block.type === "redacted_thinking" && typeof block.data === "string")
      redacted.push(block.data);
    else if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id ?? "",
        name: block.name ?? "",
        arguments: JSON.stringify(block.input ?? {}),
      });
    }
  }
  let output = answer + reasoning;
  for (const call of toolCalls) output += call.name + call.arguments;
  const usage =
    parsed.usage && typeof parsed.usage === "object"
      ? usageFromAnthropic(parsed.usage)
      : await estimateUsage(request, output);
  return create(CompleteResponseSchema, {
    id: parsed.id ?? "",
    model: parsed.model ?? "",
    created: BigInt(Math.floor(Date.now() / 1000)),
    choices: [
      {
        index: 0,
        message: {
          role: Role.ASSISTANT,
          content: answer === "" ? [] : [{ part: { case: "text", value: answer } }],
          toolCalls,
          reasoning,
          reasoningSignature: signature,
          redactedReasoning: redacted,
        },
        finishReason: finishReasonFromAnthropic(parsed.stop_reason),
        stopSequence: typeof parsed.stop_sequence === "string" ? parsed.stop_sequence : "",
      },
    ],
    usage,
  });
}
