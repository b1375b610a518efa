import type { JsonObject, JsonValue, MessageInitShape } from "@bufbuild/protobuf";
import type {
  ChatRequest,
  ChatRequestSchema,
  ReasoningSchema,
  RoutingHints,
} from "../../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../../errors/gateway-error.ts";
import { expectObject, optArray, optBoolean, optNumber, optString, optUint32 } from "../json-fields.ts";
import { parseMetadata } from "../parse-metadata.ts";
import { PREFER_PROVIDER_FIELD, routingFromBody, STRATEGY_FIELD } from "../routing-fields.ts";
import { parseTextFormat, parseToolChoice, parseTools } from "./parse-tools.ts";

/** Everything of the chat request but its messages, which need the store (previous response, references). */
export type ChatFields = Omit<Exclude<MessageInitShape<typeof ChatRequestSchema>, ChatRequest>, "messages">;

/** A parsed `POST /v1/responses` body. */
export interface ResponsesRequest {
  readonly fields: ChatFields;
  /** The raw `input`, parsed once the items it refers to are loaded. */
  readonly input: JsonValue;
  /** A system message put before the conversation; never carried over to a continuation. */
  readonly instructions: string | undefined;
  readonly stream: boolean;
  readonly store: boolean;
  readonly previousResponseId: string | undefined;
  /** The request's settings as the response object repeats them. */
  readonly echo: JsonObject;
}

/** Body fields the gateway reads; any other field rides to the upstream in `extra`, as on chat completions. */
const MODELED = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "text",
  "reasoning",
  "max_output_tokens",
  "temperature",
  "top_p",
  "user",
  "metadata",
  "stream",
  "stream_options",
  "store",
  "previous_response_id",
  "include",
  "truncation",
  STRATEGY_FIELD,
  PREFER_PROVIDER_FIELD,
]);

/**
 * Responses fields that ask for something only OpenAI's own service does
 * (background jobs, server-side conversations, prompt templates, compaction,
 * built-in tool budgets): refused, so a caller never gets an answer that
 * quietly ignored them.
 */
const REFUSED: Record<string, string> = {
  background: "background responses are not supported; omit background or set it to false",
  conversation: "the Conversations API is not supported; continue with previous_response_id",
  prompt: "prompt templates are not supported; send instructions and input",
  context_management: "context_management (compaction) is not supported",
  max_tool_calls: "max_tool_calls applies to built-in tools, which are not supported",
  top_logprobs: "top_logprobs is not supported on /v1/responses",
};

/** The only `include` value accepted: asked by Codex and the AI SDK, it adds nothing the gateway can produce. */
const INCLUDABLE = new Set(["reasoning.encrypted_content"]);

const EFFORTS = new Set(["minimal", "low", "medium", "high", "xhigh"]);

export function parseResponsesRequest(body: unknown, routing?: RoutingHints): ResponsesRequest {
  const json = expectObject(body, "body");
  const model = optString(json.model, "model");
  if (!model) throw invalidRequest("you must provide a model parameter", "model");
  if (json.input === undefined || json.input === null)
    throw invalidRequest("you must provide input", "input");
  const extra: JsonObject = {};
  let hasExtra = false;
  for (const key in json) {
    const value = json[key];
    if (value === undefined || MODELED.has(key)) continue;
    const refused = REFUSED[key];
    if (refused !== undefined) {
      if (value === null || value === false || (key === "top_logprobs" && value === 0)) continue;
      throw invalidRequest(refused, key);
    }
    extra[key] = value;
    hasExtra = true;
  }
  for (const [i, entry] of (optArray(json.include, "include") ?? []).entries()) {
    if (typeof entry !== "string" || !INCLUDABLE.has(entry)) {
      throw invalidRequest(`include[${i}] ${JSON.stringify(entry)} is not supported`, `include[${i}]`);
    }
  }
  const truncation = optString(json.truncation, "truncation") ?? "disabled";
  if (truncation !== "disabled") {
    throw invalidRequest(
      'truncation "auto" is not supported: the gateway never drops input items',
      "truncation",
    );
  }
  const text = json.text == null ? undefined : expectObject(json.text, "text");
  const verbosity = optString(text?.verbosity, "text.verbosity");
  if (verbosity !== undefined) {
    extra.verbosity = verbosity;
    hasExtra = true;
  }
  if (json.stream_options != null) expectObject(json.stream_options, "stream_options");
  const store = optBoolean(json.store, "store") ?? true;
  const previousResponseId = optString(json.previous_response_id, "previous_response_id") || undefined;
  const instructions = optString(json.instructions, "instructions") || undefined;
  const fields: ChatFields = {
    model,
    tools: parseTools(json.tools),
    toolChoice: parseToolChoice(json.tool_choice),
    parallelToolCalls: optBoolean(json.parallel_tool_calls, "parallel_tool_calls"),
    responseFormat: parseTextFormat(text),
    temperature: optNumber(json.temperature, "temperature"),
    topP: optNumber(json.top_p, "top_p"),
    maxTokens: optUint32(json.max_output_tokens, "max_output_tokens", 1),
    user: optString(json.user, "user") ?? "",
    metadata: parseMetadata(json.metadata),
    reasoning: parseReasoning(json.reasoning),
    extra: hasExtra ? extra : undefined,
    routing: routingFromBody(json, routing),
  };
  return {
    fields,
    input: json.input,
    instructions,
    stream: optBoolean(json.stream, "stream") ?? false,
    store,
    previousResponseId,
    echo: {
      instructions: instructions ?? null,
      max_output_tokens: json.max_output_tokens ?? null,
      metadata: json.metadata ?? {},
      parallel_tool_calls: json.parallel_tool_calls ?? true,
      previous_response_id: previousResponseId ?? null,
      reasoning: {
        effort: (json.reasoning as JsonObject | undefined)?.effort ?? null,
        summary: (json.reasoning as JsonObject | undefined)?.summary ?? null,
      },
      store,
      temperature: json.temperature ?? null,
      text: { format: text?.format ?? { type: "text" }, ...(verbosity ? { verbosity } : {}) },
      tool_choice: json.tool_choice ?? "auto",
      tools: json.tools ?? [],
      top_p: json.top_p ?? null,
      truncation,
      user: json.user ?? null,
    },
  };
}

/**
 * `reasoning: {effort, summary}`: an effort by name (`none` turns thinking
 * off), and any summary setting asks the upstream to show its reasoning.
 */
function parseReasoning(value: unknown): MessageInitShape<typeof ReasoningSchema> | undefined {
  if (value === undefined || value === null) return undefined;
  const reasoning = expectObject(value, "reasoning");
  const effort = optString(reasoning.effort, "reasoning.effort");
  const summary = optString(reasoning.summary ?? reasoning.generate_summary, "reasoning.summary");
  if (effort !== undefined && effort !== "none" && !EFFORTS.has(effort)) {
    throw invalidRequest(
      `reasoning.effort must be one of none, minimal, low, medium, high or xhigh, got ${JSON.stringify(effort)}`,
      "reasoning.effort",
    );
  }
  if (summary !== undefined && !["auto", "concise", "detailed"].includes(summary)) {
    throw invalidRequest('reasoning.summary must be "auto", "concise" or "detailed"', "reasoning.summary");
  }
  if (effort === undefined && summary === undefined) return undefined;
  return {
    effort: effort === undefined || effort === "none" ? "" : effort,
    enabled: effort === "none" ? false : undefined,
    include: summary === undefined ? undefined : true,
  };
}
