/**
 * Anthropic Messages API wire encoding of a mock `ReplyPlan`: the `message` JSON body, the named SSE events
 * of a stream, error bodies and the model list.
 *
 * Follows the documented format: content blocks (`thinking` with a signature, `text`, `tool_use` with an
 * `input` object); stream events message_start (usage with input and cache counts), content_block_start,
 * ping, content_block_delta (text_delta, thinking_delta, signature_delta, input_json_delta with
 * `partial_json`), content_block_stop, message_delta (stop_reason, output usage) and message_stop, each
 * as `event: <type>` plus `data:` repeating the type; errors `{type:"error", error:{type, message}}`.
 * Built with template strings, like mock-wire.ts, so the benchmark path stays cheap.
 */

import type { ReplyPlan } from "./mock-reply.ts";
import type { StreamFrames } from "./mock-wire.ts";

type Json = Record<string, unknown>;

/** Anthropic-only mock controls: prompt-cache counts and an error event after the 200. */
export interface AnthropicControls {
  cacheRead: number;
  cacheCreation: number;
  streamError: string | undefined;
}

/** Text the mock model says before a tool call, so the tool_use block is not block 0. */
export const TOOL_PREAMBLE = "Let me check that.";
/** What the mock "thinks" when the body enables `thinking`. */
export const MOCK_THINKING = "The user wants an answer; I will give one.";

/** Anthropic's error `type` for an HTTP status. */
export function anthropicErrorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit_error";
  if (status === 529) return "overloaded_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/** The Anthropic shape of the model list (`GET /v1/models` with an `anthropic-version` header). */
export function anthropicModelsJson(models: readonly string[], startedAt: number): string {
  const createdAt = new Date(startedAt * 1000).toISOString();
  return JSON.stringify({
    data: models.map((id) => ({ type: "model", id, display_name: id, created_at: createdAt })),
    has_more: false,
    first_id: models[0] ?? null,
    last_id: models.at(-1) ?? null,
  });
}

/** The JSON of an Anthropic error body. */
export function anthropicErrorJson(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message } });
}

function stopReason(plan: ReplyPlan): string {
  if (plan.finishReason === "length") return "max_tokens";
  if (plan.finishReason === "tool_calls") return "tool_use";
  return "end_turn";
}

function startUsage(plan: ReplyPlan, own: AnthropicControls, output: number): string {
  return JSON.stringify({
    input_tokens: plan.promptTokens,
    cache_creation_input_tokens: own.cacheCreation,
    cache_read_input_tokens: own.cacheRead,
    output_tokens: output,
  });
}

function toolInput(args: string): unknown {
  try {
    const input: unknown = JSON.parse(args);
    return isObject(input) ? input : {};
  } catch {
    return {};
  }
}

/** Non-streaming `message` body. */
export function messageJson(plan: ReplyPlan, own: AnthropicControls, id: string, thinking: boolean): string {
  const content: Json[] = [];
  if (thinking) content.push({ type: "thinking", thinking: MOCK_THINKING, signature: "mock-signature" });
  if (plan.tool) {
    content.push({ type: "text", text: TOOL_PREAMBLE });
    content.push({
      type: "tool_use",
      id: plan.tool.id,
      name: plan.tool.name,
      input: toolInput(plan.tool.arguments),
    });
  } else content.push({ type: "text", text: plan.text ? plan.text.join() : "" });
  return `{"id":"${id}","type":"message","role":"assistant","model":${JSON.stringify(plan.model)},"content":${JSON.stringify(content)},"stop_reason":"${stopReason(plan)}","stop_sequence":null,"usage":${startUsage(plan, own, plan.completionTokens)}}`;
}

function sse(type: string, data: string): string {
  return `event: ${type}\ndata: ${data}\n\n`;
}

/** A block sent whole: its start, its deltas and its stop. */
function wholeBlock(index: number, start: string, deltas: readonly string[]): string {
  let out = sse(
    "content_block_start",
    `{"type":"content_block_start","index":${index},"content_block":${start}}`,
  );
  for (const delta of deltas) {
    out += sse("content_block_delta", `{"type":"content_block_delta","index":${index},"delta":${delta}}`);
  }
  return out + sse("content_block_stop", `{"type":"content_block_stop","index":${index}}`);
}

/** Streamed named events: fixed blocks in the head, the text or tool input one delta per content frame. */
export function messageFrames(
  plan: ReplyPlan,
  own: AnthropicControls,
  id: string,
  thinking: boolean,
): StreamFrames {
  const message = `{"id":"${id}","type":"message","role":"assistant","model":${JSON.stringify(plan.model)},"content":[],"stop_reason":null,"stop_sequence":null,"usage":${startUsage(plan, own, 1)}}`;
  let head = sse("message_start", `{"type":"message_start","message":${message}}`);
  let index = 0;
  if (thinking) {
    head += wholeBlock(index++, '{"type":"thinking","thinking":""}', [
      `{"type":"thinking_delta","thinking":${JSON.stringify(MOCK_THINKING)}}`,
      '{"type":"signature_delta","signature":"mock-signature"}',
    ]);
  }
  const tool = plan.tool;
  const text = plan.text;
  const main = tool ? index + 1 : index;
  if (tool) {
    head += wholeBlock(index, '{"type":"text","text":""}', [
      `{"type":"text_delta","text":${JSON.stringify(TOOL_PREAMBLE)}}`,
    ]);
    head += sse(
      "content_block_start",
      `{"type":"content_block_start","index":${main},"content_block":{"type":"tool_use","id":${JSON.stringify(tool.id)},"name":${JSON.stringify(tool.name)},"input":{}}}`,
    );
  } else {
    head += sse(
      "content_block_start",
      `{"type":"content_block_start","index":${main},"content_block":{"type":"text","text":""}}`,
    );
  }
  head += sse("ping", '{"type": "ping"}');
  const pre = `{"type":"content_block_delta","index":${main},"delta":`;
  const content = tool
    ? (i: number) =>
        sse(
          "content_block_delta",
          `${pre}{"type":"input_json_delta","partial_json":${JSON.stringify(tool.fragments[i])}}}`,
        )
    : (i: number) =>
        sse("content_block_delta", `${pre}{"type":"text_delta","text":${JSON.stringify(text?.at(i))}}}`);
  const tail = () => {
    if (own.streamError !== undefined) {
      return sse("error", anthropicErrorJson(own.streamError, `Mock upstream ${own.streamError}`));
    }
    return (
      sse("content_block_stop", `{"type":"content_block_stop","index":${main}}`) +
      sse(
        "message_delta",
        `{"type":"message_delta","delta":{"stop_reason":"${stopReason(plan)}","stop_sequence":null},"usage":{"output_tokens":${plan.completionTokens}}}`,
      ) +
      sse("message_stop", '{"type":"message_stop"}')
    );
  };
  return { head, count: tool ? tool.fragments.length : text ? text.count : 0, content, tail };
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
