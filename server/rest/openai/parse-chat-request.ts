import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import {
  CacheMode,
  type ChatRequest,
  ChatRequestSchema,
  ResponseFormatType,
  type RoutingHints,
  ToolChoiceMode,
  type ToolChoiceSchema,
  type ToolSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import {
  expectObject,
  isObject,
  optArray,
  optBoolean,
  optNumber,
  optString,
  optUint32,
  typeName,
  unmodeledFields,
} from "./json-fields.ts";
import { parseMessages } from "./parse-messages.ts";
import { parseMetadata } from "./parse-metadata.ts";
import { PREFER_PROVIDER_FIELD, routingFromBody, STRATEGY_FIELD } from "./routing-fields.ts";

/** The body field by which OpenAI clients of other gateways turn the response cache off. */
const CACHE_FIELD = "x-cache";

/** The OpenAI request fields the canonical request models; everything else rides in `extra`. */
const MODELED = new Set([
  "model",
  "messages",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "n",
  "logprobs",
  "top_logprobs",
  "user",
  "metadata",
  "logit_bias",
  "stream",
  "stream_options",
  "functions",
  "function_call",
  // Routing overrides: the gateway's own, never sent upstream.
  STRATEGY_FIELD,
  PREFER_PROVIDER_FIELD,
  // `x-cache: false`, which existing clients send to skip a gateway's cache: never sent upstream.
  CACHE_FIELD,
]);

/** What the shim needs besides the canonical request. */
export interface OpenAIChatCall {
  readonly request: ChatRequest;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

/**
 * An OpenAI chat completions body to the canonical request, with errors that
 * name the field. `routing` is what the request's headers said about routing;
 * the body's routing fields fill what they left unset.
 */
export function parseChatRequest(body: unknown, routing?: RoutingHints): OpenAIChatCall {
  const json = expectObject(body, "body");
  const model = optString(json.model, "model");
  if (!model) throw invalidRequest("you must provide a model parameter", "model");
  if (json.functions !== undefined || json.function_call !== undefined) {
    throw invalidRequest(
      "the legacy functions/function_call fields are not supported; use tools and tool_choice",
      "functions",
    );
  }
  refuseUncarried(json);
  const extra = unmodeledFields(json, MODELED);
  const streamOptions =
    json.stream_options == null ? undefined : expectObject(json.stream_options, "stream_options");
  const request = create(ChatRequestSchema, {
    model,
    messages: parseMessages(json.messages),
    tools: optArray(json.tools, "tools")?.map(parseTool) ?? [],
    toolChoice: parseToolChoice(json.tool_choice),
    parallelToolCalls: optBoolean(json.parallel_tool_calls, "parallel_tool_calls"),
    responseFormat: parseResponseFormat(json.response_format),
    temperature: optNumber(json.temperature, "temperature"),
    topP: optNumber(json.top_p, "top_p"),
    maxTokens:
      optUint32(json.max_completion_tokens, "max_completion_tokens", 1) ??
      optUint32(json.max_tokens, "max_tokens", 1),
    stop: parseStop(json.stop),
    seed: parseSeed(json.seed),
    presencePenalty: optNumber(json.presence_penalty, "presence_penalty"),
    frequencyPenalty: optNumber(json.frequency_penalty, "frequency_penalty"),
    n: optUint32(json.n, "n", 1),
    logprobs: optBoolean(json.logprobs, "logprobs"),
    topLogprobs: optUint32(json.top_logprobs, "top_logprobs"),
    user: optString(json.user, "user") ?? "",
    metadata: parseMetadata(json.metadata),
    logitBias: parseNumberMap(json.logit_bias, "logit_bias"),
    extra,
    routing: routingFromBody(json, routing),
    cache: optBoolean(json[CACHE_FIELD], CACHE_FIELD) === false ? CacheMode.OFF : CacheMode.UNSPECIFIED,
  });
  return {
    request,
    stream: optBoolean(json.stream, "stream") ?? false,
    includeUsage: optBoolean(streamOptions?.include_usage, "stream_options.include_usage") ?? false,
  };
}

/**
 * Refuses audio output, which the upstream would make but the canonical
 * response cannot carry back, so a caller never pays for an answer that
 * quietly comes back as text alone; and two length limits at once, which
 * OpenAI refuses too.
 */
function refuseUncarried(json: JsonObject): void {
  const modalities = optArray(json.modalities, "modalities") ?? [];
  if (modalities.some((modality) => modality !== "text")) {
    throw invalidRequest(
      'modalities other than "text" are not supported: the gateway answers text only',
      "modalities",
    );
  }
  if (json.audio != null)
    throw invalidRequest("audio output is not supported: the gateway answers text only", "audio");
  if (json.max_tokens != null && json.max_completion_tokens != null) {
    throw invalidRequest(
      "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
      "max_tokens",
    );
  }
}

/** One OpenAI-shaped `tools[i]` entry (`{type: "function", function: {...}}`), which Ollama shares. */
export function parseTool(value: unknown, i: number): MessageInitShape<typeof ToolSchema> {
  const param = `tools[${i}]`;
  const tool = expectObject(value, param);
  if (tool.type !== "function") throw invalidRequest(`${param}.type must be "function"`, `${param}.type`);
  const fn = expectObject(tool.function, `${param}.function`);
  const parameters =
    fn.parameters == null ? undefined : expectObject(fn.parameters, `${param}.function.parameters`);
  return {
    name: optString(fn.name, `${param}.function.name`) ?? "",
    description: optString(fn.description, `${param}.function.description`) ?? "",
    parameters,
    strict: optBoolean(fn.strict, `${param}.function.strict`),
  };
}

function parseToolChoice(value: unknown): MessageInitShape<typeof ToolChoiceSchema> | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "none") return { choice: { case: "mode", value: ToolChoiceMode.NONE } };
  if (value === "auto") return { choice: { case: "mode", value: ToolChoiceMode.AUTO } };
  if (value === "required") return { choice: { case: "mode", value: ToolChoiceMode.REQUIRED } };
  if (isObject(value) && value.type === "function" && isObject(value.function)) {
    const name = optString(value.function.name, "tool_choice.function.name");
    if (name) return { choice: { case: "function", value: name } };
  }
  throw invalidRequest(
    'tool_choice must be "none", "auto", "required" or {"type":"function","function":{"name":...}}',
    "tool_choice",
  );
}

function parseResponseFormat(value: unknown) {
  if (value === undefined || value === null) return undefined;
  const format = expectObject(value, "response_format");
  switch (format.type) {
    case "text":
      return { type: ResponseFormatType.TEXT };
    case "json_object":
      return { type: ResponseFormatType.JSON_OBJECT };
    case "json_schema": {
      const spec = expectObject(format.json_schema, "response_format.json_schema");
      const name = optString(spec.name, "response_format.json_schema.name");
      if (!name)
        throw invalidRequest(
          "response_format.json_schema.name is required",
          "response_format.json_schema.name",
        );
      return {
        type: ResponseFormatType.JSON_SCHEMA,
        name,
        description: optString(spec.description, "response_format.json_schema.description") ?? "",
        schema:
          spec.schema == null ? undefined : expectObject(spec.schema, "response_format.json_schema.schema"),
        strict: optBoolean(spec.strict, "response_format.json_schema.strict"),
      };
    }
    default:
      throw invalidRequest(
        'response_format.type must be "text", "json_object" or "json_schema"',
        "response_format.type",
      );
  }
}

/** `stop` as a string or a list of strings. */
export function parseStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  const list = optArray(value, "stop") ?? [];
  return list.map((item, i) => {
    if (typeof item !== "string")
      throw invalidRequest(`stop[${i}] must be a string, got ${typeName(item)}`, "stop");
    return item;
  });
}

/** `seed` as a safe integer. */
export function parseSeed(value: unknown): bigint | undefined {
  const seed = optNumber(value, "seed");
  if (seed === undefined) return undefined;
  if (!Number.isSafeInteger(seed)) throw invalidRequest("seed must be an integer", "seed");
  return BigInt(seed);
}

/** An object of numbers, such as `logit_bias`. */
export function parseNumberMap(value: unknown, param: string): Record<string, number> {
  if (value === undefined || value === null) return {};
  const map = expectObject(value, param);
  for (const [key, item] of Object.entries(map)) {
    if (typeof item !== "number") throw invalidRequest(`${param}.${key} must be a number`, `${param}.${key}`);
  }
  return map as Record<string, number>;
}
