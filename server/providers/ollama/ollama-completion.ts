import { create } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type CompleteResponse,
  CompleteResponseSchema,
  Role,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { parseUpstreamJson } from "../upstream-json.ts";
import { toolCallFromOllama } from "./ollama-tool-calls.ts";
import { finishReasonFromOllama, usageFromOllama } from "./ollama-usage.ts";
import type { OllamaChatResponse } from "./ollama-wire-types.ts";

/*
 * Follows Ollama's API reference for `POST /api/chat` with `stream: false`:
 * one object `{model, created_at, message: {role, content, thinking?,
 * tool_calls?}, done: true, done_reason, prompt_eval_count, eval_count, …
 * durations}`. It has no id, so the surface derives one from the request id.
 */

/** Parses a non-streamed Ollama chat answer into the canonical response (one choice). */
export async function completionFromOllama(
  provider: string,
  text: string,
  request: ChatRequest,
): Promise<CompleteResponse> {
  const parsed = parseUpstreamJson<OllamaChatResponse>(provider, text);
  if (parsed === null || typeof parsed !== "object") {
    throw new GatewayError("upstream_error", `upstream ${provider} answered with a non-object`, { provider });
  }
  if (parsed.error !== undefined) {
    throw new GatewayError("upstream_error", `upstream ${provider} failed: ${String(parsed.error)}`, {
      provider,
    });
  }
  const message = parsed.message;
  if (message === null || typeof message !== "object") {
    throw new GatewayError("upstream_error", `upstream ${provider} answered without a message`, { provider });
  }
  const answer = typeof message.content === "string" ? message.content : "";
  const reasoning = typeof message.thinking === "string" ? message.thinking : "";
  const toolCalls = (Array.isArray(message.tool_calls) ? message.tool_calls : []).map(toolCallFromOllama);
  let output = answer + reasoning;
  for (const call of toolCalls) output += call.name + call.arguments;
  return create(CompleteResponseSchema, {
    id: "",
    model: parsed.model ?? "",
    created: BigInt(unixSeconds(parsed.created_at)),
    choices: [
      {
        index: 0,
        message: {
          role: Role.ASSISTANT,
          content: answer === "" ? [] : [{ part: { case: "text", value: answer } }],
          toolCalls,
          reasoning,
        },
        finishReason: finishReasonFromOllama(parsed.done_reason, toolCalls.length > 0),
      },
    ],
    usage: await usageFromOllama(parsed, request, output),
  });
}

/** Ollama's RFC 3339 `created_at` to Unix seconds (now when absent or unreadable). */
export function unixSeconds(value: unknown): number {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return Math.floor((Number.isNaN(ms) ? Date.now() : ms) / 1000);
}
