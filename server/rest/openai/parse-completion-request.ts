import { create } from "@bufbuild/protobuf";
import { ChatRequestSchema, Role, type RoutingHints } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import {
  expectObject,
  optBoolean,
  optNumber,
  optString,
  optUint32,
  typeName,
  unmodeledFields,
} from "./json-fields.ts";
import { type OpenAIChatCall, parseNumberMap, parseSeed, parseStop } from "./parse-chat-request.ts";
import { PREFER_PROVIDER_FIELD, routingFromBody, STRATEGY_FIELD } from "./routing-fields.ts";

/** The legacy completions fields this parser reads; everything else rides in `extra`. */
const MODELED = new Set([
  "model",
  "prompt",
  "max_tokens",
  "temperature",
  "top_p",
  "n",
  "stream",
  "stream_options",
  "stop",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "user",
  "logprobs",
  "echo",
  "suffix",
  "best_of",
  STRATEGY_FIELD,
  PREFER_PROVIDER_FIELD,
]);

/** OpenAI's default for a text completion, far below a chat's: a caller that sets none gets what OpenAI gives. */
const DEFAULT_MAX_TOKENS = 16;

/**
 * A legacy `POST /v1/completions` body to a canonical chat request with one
 * user message holding the prompt, so any chat upstream can answer it (the
 * upstream's chat template applies: the model sees a user turn, not raw text
 * to continue). `prompt` is a string or a list of exactly one string; token
 * ids and several prompts are refused, as are `echo`, `suffix`, `best_of`
 * above 1 and `logprobs`, which a chat answer cannot give.
 */
export function parseCompletionRequest(body: unknown, routing?: RoutingHints): OpenAIChatCall {
  const json = expectObject(body, "body");
  const model = optString(json.model, "model");
  if (!model) throw invalidRequest("you must provide a model parameter", "model");
  if (json.logprobs !== undefined && json.logprobs !== null) {
    throw invalidRequest("logprobs is not supported on /v1/completions by the gateway", "logprobs");
  }
  if (optBoolean(json.echo, "echo") === true)
    throw invalidRequest("echo is not supported: the prompt is sent as a chat message", "echo");
  if (optString(json.suffix, "suffix"))
    throw invalidRequest("suffix (fill-in-the-middle) is not supported by the gateway", "suffix");
  if ((optUint32(json.best_of, "best_of", 1) ?? 1) > 1)
    throw invalidRequest("best_of above 1 is not supported by the gateway; use n", "best_of");
  const extra = unmodeledFields(json, MODELED);
  const streamOptions =
    json.stream_options == null ? undefined : expectObject(json.stream_options, "stream_options");
  const request = create(ChatRequestSchema, {
    model,
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: prompt(json.prompt) } }] }],
    temperature: optNumber(json.temperature, "temperature"),
    topP: optNumber(json.top_p, "top_p"),
    maxTokens: optUint32(json.max_tokens, "max_tokens", 1) ?? DEFAULT_MAX_TOKENS,
    stop: parseStop(json.stop),
    seed: parseSeed(json.seed),
    presencePenalty: optNumber(json.presence_penalty, "presence_penalty"),
    frequencyPenalty: optNumber(json.frequency_penalty, "frequency_penalty"),
    n: optUint32(json.n, "n", 1),
    user: optString(json.user, "user") ?? "",
    logitBias: parseNumberMap(json.logit_bias, "logit_bias"),
    extra,
    routing: routingFromBody(json, routing),
  });
  return {
    request,
    stream: optBoolean(json.stream, "stream") ?? false,
    includeUsage: optBoolean(streamOptions?.include_usage, "stream_options.include_usage") ?? false,
  };
}

function prompt(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) throw invalidRequest("you must provide a prompt", "prompt");
  if (!Array.isArray(value)) {
    throw invalidRequest(`prompt must be a string or an array of strings, got ${typeName(value)}`, "prompt");
  }
  const first: unknown = value[0];
  if (typeof first === "number" || Array.isArray(first)) {
    throw invalidRequest("token-id prompts are not supported; send the prompt as text", "prompt");
  }
  if (value.length !== 1 || typeof first !== "string") {
    throw invalidRequest(
      `prompt must hold exactly one string, got ${value.length === 1 ? typeName(first) : `${value.length} prompts`}; send one request per prompt`,
      "prompt",
    );
  }
  return first;
}
