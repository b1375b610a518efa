import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  ChatRequestSchema,
  type ReasoningSchema,
  type RoutingHints,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import {
  expectObject,
  optArray,
  optBoolean,
  optNumber,
  optString,
  optUint32,
  typeName,
} from "../openai/json-fields.ts";
import { PREFER_PROVIDER_FIELD, routingFromBody, STRATEGY_FIELD } from "../openai/routing-fields.ts";
import { parseToolChoice, parseTools } from "./parse-tools.ts";
import { parseSystem, parseTurns } from "./parse-turns.ts";

/*
 * Follows the Anthropic Messages API request as documented (`POST
 * /v1/messages`): `model`, `messages` and `max_tokens` are required;
 * `system`, `stop_sequences`, `stream`, `temperature` (0 to 1), `top_p`, `top_k`,
 * `metadata {user_id}`, `tools`, `tool_choice` and `thinking {type:
 * "enabled", budget_tokens >= 1024 and < max_tokens} | {type: "disabled"}`
 * are optional. `count_tokens` takes the same body without `max_tokens`.
 */

/** The request fields the canonical request models; others ride in `extra`. */
const MODELED = new Set([
  "model",
  "messages",
  "max_tokens",
  "system",
  "stop_sequences",
  "stream",
  "temperature",
  "top_p",
  "top_k",
  "metadata",
  "tools",
  "tool_choice",
  "thinking",
  STRATEGY_FIELD,
  PREFER_PROVIDER_FIELD,
]);

/** Anthropic features that change the answer and that no other backend can honour: refused, never sent on blindly. */
const REFUSED = new Set(["mcp_servers", "container", "context_management"]);

/** The highest temperature Anthropic accepts. */
const MAX_TEMPERATURE = 1;

/** The smallest thinking budget Anthropic accepts. */
const MIN_THINKING_BUDGET = 1024;

/** What the surface needs besides the canonical request. */
export interface AnthropicMessagesCall {
  readonly request: ChatRequest;
  readonly stream: boolean;
}

/**
 * An Anthropic Messages body to the canonical request, with errors that name
 * the field. `countOnly` parses a count_tokens body, which has no
 * `max_tokens`. `routing` is what the request's headers said about routing.
 */
export function parseMessagesRequest(
  body: unknown,
  routing?: RoutingHints,
  countOnly = false,
): AnthropicMessagesCall {
  const json = expectObject(body, "body");
  const model = optString(json.model, "model");
  if (!model) throw invalidRequest("model: Field required", "model");
  const maxTokens = optUint32(json.max_tokens, "max_tokens", 1);
  if (maxTokens === undefined && !countOnly) throw invalidRequest("max_tokens: Field required", "max_tokens");
  const extra: JsonObject = {};
  let hasExtra = false;
  for (const key in json) {
    if (REFUSED.has(key)) {
      throw invalidRequest(
        `${key} is not supported by LLMGW's translated Messages API; use the /anthropic pass-through`,
        key,
      );
    }
    if (!MODELED.has(key) && json[key] !== undefined) {
      extra[key] = json[key] as JsonObject[string];
      hasExtra = true;
    }
  }
  const topK = optUint32(json.top_k, "top_k", 1);
  if (topK !== undefined) {
    extra.top_k = topK;
    hasExtra = true;
  }
  const system = parseSystem(json.system);
  const turns = parseTurns(json.messages);
  const { toolChoice, parallelToolCalls } = parseToolChoice(json.tool_choice);
  const request = create(ChatRequestSchema, {
    model,
    messages: system === undefined ? turns : [system, ...turns],
    tools: parseTools(json.tools),
    toolChoice,
    parallelToolCalls,
    temperature: parseTemperature(json.temperature),
    topP: optNumber(json.top_p, "top_p"),
    maxTokens,
    stop: parseStopSequences(json.stop_sequences),
    user: parseMetadata(json.metadata),
    reasoning: parseThinking(json.thinking, countOnly ? undefined : maxTokens),
    extra: hasExtra ? extra : undefined,
    routing: routingFromBody(json, routing),
  });
  return { request, stream: optBoolean(json.stream, "stream") ?? false };
}

/** Anthropic's temperature runs from 0 to 1, not OpenAI's 0 to 2; 1.5 is refused, as Anthropic refuses it. */
function parseTemperature(value: unknown): number | undefined {
  const temperature = optNumber(value, "temperature");
  if (temperature !== undefined && (temperature < 0 || temperature > MAX_TEMPERATURE)) {
    throw invalidRequest(
      `temperature must be between 0 and ${MAX_TEMPERATURE}, got ${temperature}`,
      "temperature",
    );
  }
  return temperature;
}

function parseStopSequences(value: unknown): string[] {
  return (optArray(value, "stop_sequences") ?? []).map((item, i) => {
    if (typeof item !== "string") {
      throw invalidRequest(`stop_sequences.${i} must be a string, got ${typeName(item)}`, "stop_sequences");
    }
    return item;
  });
}

/** `metadata.user_id` is the end user; Anthropic's metadata has no other field. */
function parseMetadata(value: unknown): string {
  if (value === undefined || value === null) return "";
  const metadata = expectObject(value, "metadata");
  for (const key in metadata) {
    if (key !== "user_id")
      throw invalidRequest(`metadata.${key}: Extra inputs are not permitted`, `metadata.${key}`);
  }
  return optString(metadata.user_id, "metadata.user_id") ?? "";
}

function parseThinking(
  value: unknown,
  maxTokens: number | undefined,
): MessageInitShape<typeof ReasoningSchema> | undefined {
  if (value === undefined || value === null) return undefined;
  const thinking = expectObject(value, "thinking");
  if (thinking.type === "disabled") return { enabled: false };
  if (thinking.type !== "enabled") {
    throw invalidRequest(
      `thinking.type must be "enabled" or "disabled", got ${JSON.stringify(thinking.type ?? null)}`,
      "thinking.type",
    );
  }
  const budget = optUint32(thinking.budget_tokens, "thinking.budget_tokens", MIN_THINKING_BUDGET);
  if (budget === undefined) {
    throw invalidRequest("thinking.budget_tokens: Field required", "thinking.budget_tokens");
  }
  if (maxTokens !== undefined && budget >= maxTokens) {
    throw invalidRequest("max_tokens must be greater than thinking.budget_tokens", "thinking.budget_tokens");
  }
  return { enabled: true, budgetTokens: budget };
}
