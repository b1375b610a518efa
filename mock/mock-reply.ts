/**
 * Decides what the mock upstream answers to a chat completion request.
 *
 * Kept separate from HTTP and wire encoding so one `ReplyPlan` drives both the streaming and the
 * non-streaming response (they must carry the same content). Scenarios: lorem text (default), a tool call
 * (`[[call_tool]]` marker or `tool_call` control), an answer quoting a tool result (last message role
 * `tool`), a fixed reply (`reply` control), JSON mode, and `max_tokens` truncation.
 */

import type { MockControls, UsageMode } from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";
import {
  arrayPieces,
  contentText,
  countPromptTokens,
  loremPieces,
  type Pieces,
  truncatePieces,
  wordPieces,
} from "./mock-text.ts";

export type FinishReason = "stop" | "length" | "tool_calls";

export interface ToolCallPlan {
  id: string;
  name: string;
  arguments: string;
  /** `arguments` cut into the fragments that are streamed one per chunk. */
  fragments: string[];
}

export interface ReplyPlan {
  model: string;
  stream: boolean;
  /** `stream_options.include_usage` */
  includeUsage: boolean;
  usageMode: UsageMode;
  /** Send `data: [DONE]` at the end of a stream. */
  done: boolean;
  promptTokens: number;
  completionTokens: number;
  finishReason: FinishReason;
  /** Text content, one piece per content chunk (absent for a tool call). */
  text?: Pieces;
  tool?: ToolCallPlan;
}

export interface ReplyDefaults {
  tokens: number;
  model: string;
}

export const TOOL_MARKER = "[[call_tool]]";
export const DEFAULT_TOOL_ARGUMENTS = '{"city":"Paris"}';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function maxTokens(body: Json): number | undefined {
  for (const key of ["max_completion_tokens", "max_tokens"]) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    if (typeof v === "number" && Number.isInteger(v) && v >= 1) return v;
    throw new OpenAIError(400, `Invalid '${key}': expected an integer >= 1`, key, "invalid_value");
  }
  return undefined;
}

/** Split tool-call arguments into at least 3 fragments (when long enough) to exercise reassembly. */
export function splitArguments(args: string): string[] {
  if (args.length < 3) return [args];
  const n = Math.max(3, Math.min(8, Math.ceil(args.length / 6)));
  const size = Math.ceil(args.length / n);
  const out: string[] = [];
  for (let i = 0; i < args.length; i += size) out.push(args.slice(i, i + size));
  return out;
}

function toolName(tools: unknown[], toolChoice: unknown): string | undefined {
  if (isObject(toolChoice) && isObject(toolChoice.function) && typeof toolChoice.function.name === "string") {
    return toolChoice.function.name;
  }
  for (const t of tools) {
    if (isObject(t) && isObject(t.function) && typeof t.function.name === "string") return t.function.name;
  }
  return undefined;
}

function planTool(body: Json, controls: MockControls, last: Json, id: string): ToolCallPlan | undefined {
  const forced = controls.toolCall;
  if (forced === false) return undefined;
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (forced === undefined) {
    if (tools.length === 0 || body.tool_choice === "none" || last.role !== "user") return undefined;
    if (!contentText(last.content).includes(TOOL_MARKER)) return undefined;
  }
  const custom = typeof forced === "object" ? forced : {};
  const name = custom.name ?? (tools.length > 0 ? toolName(tools, body.tool_choice) : undefined);
  if (name === undefined) return undefined;
  const args = custom.arguments ?? DEFAULT_TOOL_ARGUMENTS;
  return { id, name, arguments: args, fragments: splitArguments(args) };
}

/** Wrap text pieces as the JSON object `{"answer":"<text>"}`, valid whatever the cut. */
function jsonPieces(inner: Pieces): Pieces {
  const esc = (s: string) => JSON.stringify(s).slice(1, -1);
  if (inner.count === 0) return arrayPieces(['{"answer":""}']);
  const parts: string[] = [];
  for (let i = 0; i < inner.count; i++) {
    parts.push((i === 0 ? '{"answer":"' : "") + esc(inner.at(i)) + (i === inner.count - 1 ? '"}' : ""));
  }
  return arrayPieces(parts);
}

/**
 * Plan the reply to a parsed `/v1/chat/completions` body. `seq` makes the tool call id unique per request.
 * Throws an `OpenAIError` (400) for requests a real server would reject.
 */
export function planReply(
  body: Json,
  controls: MockControls,
  defaults: ReplyDefaults,
  seq: number,
): ReplyPlan {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new OpenAIError(400, "'messages' must be a non-empty array", "messages", "invalid_value");
  }
  const last = messages[messages.length - 1];
  if (!isObject(last))
    throw new OpenAIError(400, "Each message must be an object", "messages", "invalid_value");
  const max = maxTokens(body);
  const plan: ReplyPlan = {
    model: typeof body.model === "string" ? body.model : defaults.model,
    stream: body.stream === true,
    includeUsage: isObject(body.stream_options) && body.stream_options.include_usage === true,
    usageMode: controls.usage ?? "chunk",
    done: controls.done ?? true,
    promptTokens: countPromptTokens(messages),
    completionTokens: 0,
    finishReason: "stop",
  };

  const tool = planTool(body, controls, last, `call_mock${seq.toString(36).padStart(6, "0")}`);
  if (tool) {
    plan.tool = tool;
    plan.finishReason = "tool_calls";
    plan.completionTokens = tool.fragments.length + 1;
    return plan;
  }

  let text =
    last.role === "tool"
      ? wordPieces(`The tool said: ${contentText(last.content)}`)
      : controls.reply !== undefined
        ? wordPieces(controls.reply)
        : loremPieces(controls.tokens ?? defaults.tokens);
  if (max !== undefined && max < text.count) {
    text = truncatePieces(text, max);
    plan.finishReason = "length";
  }
  const format = isObject(body.response_format) ? body.response_format.type : undefined;
  if (format === "json_object" || format === "json_schema") text = jsonPieces(text);
  plan.text = text;
  plan.completionTokens = text.count;
  return plan;
}
