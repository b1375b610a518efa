/**
 * Ollama wire encoding of a mock `ReplyPlan`: the `/api/chat` answer object, the NDJSON lines of a stream,
 * error bodies and the `/api/tags` model list.
 *
 * Follows Ollama's API reference: each line is `{model, created_at, message:{role, content, thinking?,
 * tool_calls?}, done}`; a tool call arrives whole in one line with `arguments` as a JSON object and no id;
 * the last line has `done: true`, `done_reason` (`stop`, also after a tool call, or `length`) and the counts
 * `prompt_eval_count` / `eval_count` beside nanosecond durations; errors are `{"error": "..."}`. Built with
 * template strings, like mock-wire.ts, so the benchmark path stays cheap.
 */

import type { ReplyPlan } from "./mock-reply.ts";
import type { StreamFrames } from "./mock-wire.ts";

/** Ollama-only mock controls: drop the eval counts, or fail with an error line after the 200. */
export interface OllamaControls {
  noCounts: boolean;
  streamError: string | undefined;
}

/** What the mock "thinks" when the body sets `think: true`. */
export const OLLAMA_THINKING = "The user wants an answer; I will give one.";

/** The JSON of an Ollama error body (also the error line of a stream, without its newline). */
export function ollamaErrorJson(message: string): string {
  return JSON.stringify({ error: message });
}

/** `GET /api/tags`: every mock model as a locally pulled one. */
export function ollamaTagsJson(models: readonly string[], startedAt: number): string {
  const modifiedAt = new Date(startedAt * 1000).toISOString();
  return JSON.stringify({
    models: models.map((name) => ({
      name,
      model: name,
      modified_at: modifiedAt,
      size: 1_000_000,
      digest: "0".repeat(64),
      details: { format: "gguf", family: "mock", parameter_size: "1B", quantization_level: "Q4_0" },
    })),
  });
}

function toolArguments(args: string): unknown {
  try {
    const parsed: unknown = JSON.parse(args);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function toolCallsJson(plan: ReplyPlan): string {
  const tool = plan.tool;
  if (tool === undefined) return "[]";
  return JSON.stringify([{ function: { name: tool.name, arguments: toolArguments(tool.arguments) } }]);
}

/** The fields of the `done: true` object after `done`. */
function doneFields(plan: ReplyPlan, own: OllamaControls): string {
  const reason = plan.finishReason === "length" ? "length" : "stop";
  const counts = own.noCounts
    ? ""
    : `,"prompt_eval_count":${plan.promptTokens},"prompt_eval_duration":1000000,"eval_count":${plan.completionTokens},"eval_duration":2000000`;
  return `,"done_reason":"${reason}","total_duration":4000000,"load_duration":1000000${counts}`;
}

/** Non-streaming `/api/chat` answer. */
export function chatJson(plan: ReplyPlan, own: OllamaControls, createdAt: string, thinking: boolean): string {
  const think = thinking ? `,"thinking":${JSON.stringify(OLLAMA_THINKING)}` : "";
  const content = plan.tool ? "" : plan.text ? plan.text.join() : "";
  const tools = plan.tool ? `,"tool_calls":${toolCallsJson(plan)}` : "";
  return `{"model":${JSON.stringify(plan.model)},"created_at":"${createdAt}","message":{"role":"assistant","content":${JSON.stringify(content)}${think}${tools}},"done":true${doneFields(plan, own)}}`;
}

/**
 * Streamed NDJSON lines: the thinking (if asked for) in the head, then one line per text piece, or one
 * line carrying the whole tool call, then the `done` line (or an error line, or nothing with `done:
 * false`).
 */
export function chatFrames(
  plan: ReplyPlan,
  own: OllamaControls,
  createdAt: string,
  thinking: boolean,
): StreamFrames {
  const pre = `{"model":${JSON.stringify(plan.model)},"created_at":"${createdAt}","message":{"role":"assistant","content":`;
  const head = thinking ? `${pre}"","thinking":${JSON.stringify(OLLAMA_THINKING)}},"done":false}\n` : "";
  const text = plan.text;
  const content = plan.tool
    ? () => `${pre}"","tool_calls":${toolCallsJson(plan)}},"done":false}\n`
    : (i: number) => `${pre}${JSON.stringify(text?.at(i))}},"done":false}\n`;
  const tail = () => {
    if (own.streamError !== undefined) return `${ollamaErrorJson(own.streamError)}\n`;
    if (!plan.done) return "";
    return `${pre}""},"done":true${doneFields(plan, own)}}\n`;
  };
  return { head, count: plan.tool ? 1 : text ? text.count : 0, content, tail };
}
