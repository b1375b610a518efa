/**
 * Gemini API wire encoding of a mock `ReplyPlan`: the `GenerateContentResponse` JSON body, the bare `data:`
 * SSE chunks of a stream, error bodies and the model list.
 *
 * Follows the documented format: `candidates[{content:{role:"model", parts}, finishReason, index}]` with
 * `text` parts, `thought: true` parts and whole `functionCall {name, args}` parts (function calls have no
 * id and finish with STOP); `usageMetadata` whose `promptTokenCount` includes `cachedContentTokenCount`
 * and whose `thoughtsTokenCount` is apart from `candidatesTokenCount`; a blocked prompt answered with
 * `promptFeedback.blockReason` and no candidates; errors `{error:{code, message, status, details}}` with a
 * `google.rpc.RetryInfo` detail on 429s. Streams carry no event names and no `[DONE]`.
 */

import type { ReplyPlan } from "./mock-reply.ts";
import type { StreamFrames } from "./mock-wire.ts";

type Json = Record<string, unknown>;

/** Gemini-only mock controls. */
export interface GeminiControls {
  /** Block the prompt: `promptFeedback.blockReason` and no candidates. */
  block: string | undefined;
  /** Force the candidate's finishReason (e.g. "SAFETY"). */
  finish: string | undefined;
  /** Prompt tokens read from the context cache (added into promptTokenCount). */
  cached: number;
  /** Thinking tokens: adds a thought part and `thoughtsTokenCount`. */
  thoughts: number;
  /** Seconds for a RetryInfo `retryDelay` detail on injected errors. */
  retryDelay: number | undefined;
}

/** What the mock "thinks" when the `thoughts` control is set. */
export const MOCK_THOUGHT = "The user wants an answer; I will give one.";

/** Gemini's `error.status` for an HTTP status (google.rpc.Code names). */
export function geminiStatus(status: number): string {
  if (status === 400) return "INVALID_ARGUMENT";
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 403) return "PERMISSION_DENIED";
  if (status === 404) return "NOT_FOUND";
  if (status === 429) return "RESOURCE_EXHAUSTED";
  if (status === 499) return "CANCELLED";
  if (status === 503) return "UNAVAILABLE";
  if (status === 504) return "DEADLINE_EXCEEDED";
  if (status >= 500) return "INTERNAL";
  return "FAILED_PRECONDITION";
}

/** The JSON of a Gemini error body, with a RetryInfo detail when `retryDelay` is given. */
export function geminiErrorJson(status: number, message: string, retryDelay?: number): string {
  const error: Json = { code: status, message, status: geminiStatus(status) };
  if (retryDelay !== undefined) {
    error.details = [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retryDelay}s` }];
  }
  return JSON.stringify({ error });
}

/** The Gemini shape of the model list (`GET /v1beta/models`). */
export function geminiModelsJson(models: readonly string[]): string {
  return JSON.stringify({
    models: models.map((id) => ({
      name: `models/${id}`,
      version: "001",
      displayName: id,
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: ["generateContent", "streamGenerateContent", "countTokens"],
    })),
  });
}

function usage(plan: ReplyPlan, own: GeminiControls): Json {
  const prompt = plan.promptTokens + own.cached;
  const out: Json = { promptTokenCount: prompt, candidatesTokenCount: plan.completionTokens };
  if (own.cached > 0) out.cachedContentTokenCount = own.cached;
  if (own.thoughts > 0) out.thoughtsTokenCount = own.thoughts;
  out.totalTokenCount = prompt + plan.completionTokens + own.thoughts;
  return out;
}

function finishReason(plan: ReplyPlan, own: GeminiControls): string {
  return own.finish ?? (plan.finishReason === "length" ? "MAX_TOKENS" : "STOP");
}

function toolArgs(args: string): unknown {
  try {
    const parsed: unknown = JSON.parse(args);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function response(candidates: Json[] | undefined, extra: Json, plan: ReplyPlan, id: string): string {
  return JSON.stringify({
    ...(candidates ? { candidates } : {}),
    ...extra,
    modelVersion: plan.model,
    responseId: id,
  });
}

function candidate(parts: Json[], finish: string | undefined): Json {
  return { content: { role: "model", parts }, ...(finish ? { finishReason: finish } : {}), index: 0 };
}

/** A blocked prompt: feedback, prompt usage, no candidates. */
function blockedJson(plan: ReplyPlan, own: GeminiControls, id: string): string {
  const prompt = plan.promptTokens + own.cached;
  const extra = {
    promptFeedback: { blockReason: own.block },
    usageMetadata: { promptTokenCount: prompt, totalTokenCount: prompt },
  };
  return response(undefined, extra, plan, id);
}

/** Non-streaming `GenerateContentResponse` body. */
export function generateJson(plan: ReplyPlan, own: GeminiControls, id: string): string {
  if (own.block !== undefined) return blockedJson(plan, own, id);
  const parts: Json[] = [];
  if (own.thoughts > 0) parts.push({ text: MOCK_THOUGHT, thought: true });
  if (plan.tool) parts.push({ functionCall: { name: plan.tool.name, args: toolArgs(plan.tool.arguments) } });
  else parts.push({ text: plan.text ? plan.text.join() : "" });
  return response([candidate(parts, finishReason(plan, own))], { usageMetadata: usage(plan, own) }, plan, id);
}

function sse(data: string): string {
  return `data: ${data}\r\n\r\n`;
}

/** Streamed chunks: an optional thought chunk first, one chunk per text piece (or the whole function call), then the finish chunk with the final usage. */
export function generateFrames(plan: ReplyPlan, own: GeminiControls, id: string): StreamFrames {
  const partial = { usageMetadata: { promptTokenCount: plan.promptTokens + own.cached } };
  if (own.block !== undefined) {
    return { head: sse(blockedJson(plan, own, id)), count: 0, content: () => "", tail: () => "" };
  }
  const chunk = (parts: Json[], finish?: string) =>
    sse(
      response([candidate(parts, finish)], finish ? { usageMetadata: usage(plan, own) } : partial, plan, id),
    );
  const head = own.thoughts > 0 ? chunk([{ text: MOCK_THOUGHT, thought: true }]) : "";
  const tool = plan.tool;
  const text = plan.text;
  const content = tool
    ? () => chunk([{ functionCall: { name: tool.name, args: toolArgs(tool.arguments) } }])
    : (i: number) => chunk([{ text: text?.at(i) ?? "" }]);
  const tail = () => chunk([{ text: "" }], finishReason(plan, own));
  return { head, count: tool ? 1 : text ? text.count : 0, content, tail };
}

/** The frames of a stream as the JSON array streamGenerateContent answers without `alt=sse`. */
export function framesAsJsonArray(frames: StreamFrames): string {
  const all = [frames.head];
  for (let i = 0; i < frames.count; i++) all.push(frames.content(i));
  all.push(frames.tail());
  const chunks = all
    .join("")
    .split("\r\n\r\n")
    .filter((f) => f.startsWith("data: "))
    .map((f) => f.slice(6));
  return `[${chunks.join(",\n")}]`;
}
