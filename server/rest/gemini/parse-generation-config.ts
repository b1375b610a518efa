import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  type ChatRequestSchema,
  ReasoningSchema,
  ResponseFormatType,
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
import { schemaToJsonSchema } from "./gemini-schema.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content#generationconfig):
 * temperature, topP, topK, maxOutputTokens, stopSequences, candidateCount,
 * seed, presencePenalty, frequencyPenalty, responseLogprobs, logprobs,
 * responseMimeType (`text/plain`, `application/json`, `text/x.enum`) with
 * responseSchema (OpenAPI subset) or responseJsonSchema (JSON Schema), and
 * thinkingConfig {includeThoughts, thinkingBudget (0 off, -1 dynamic),
 * thinkingLevel}; the rest (responseModalities, speechConfig,
 * mediaResolution...) is about audio and images.
 */

/** The plain-object form of a ChatRequest init (not a ChatRequest itself), so its fields can be spread. */
type ChatInit = Exclude<MessageInitShape<typeof ChatRequestSchema>, ChatRequest>;

/**
 * Gemini generation fields the canonical request has no field for but that a
 * Gemini backend honours: they ride in `extra.generationConfig` under their
 * own names (the Gemini adapter merges that object into its own
 * generationConfig); another backend receives them as unknown parameters.
 */
const GEMINI_ONLY = new Set([
  "responseModalities",
  "speechConfig",
  "mediaResolution",
  "imageConfig",
  "enableEnhancedCivicAnswers",
  "enableAffectiveDialog",
  "audioTimestamp",
]);

/** What a generationConfig adds to the canonical request, and to its `extra`. */
export interface GenerationFields {
  readonly fields: Partial<ChatInit>;
  /** `top_k` and the Gemini-only generation fields (`generationConfig: {...}`), for `extra`. */
  readonly extra: JsonObject;
}

/** A `generationConfig` to canonical fields; an unknown field is refused, naming it. */
export function parseGenerationConfig(value: unknown): GenerationFields {
  const extra: JsonObject = {};
  if (value === undefined || value === null) return { fields: {}, extra };
  const config = expectObject(value, "generationConfig");
  const p = (name: string) => `generationConfig.${name}`;
  const geminiOnly: JsonObject = {};
  for (const key in config) {
    if (KNOWN.has(key) || config[key] === null || config[key] === undefined) continue;
    if (!GEMINI_ONLY.has(key)) throw invalidRequest(`${p(key)} is not a field this gateway knows`);
    if (key === "responseModalities" && isTextOnly(config[key])) continue;
    geminiOnly[key] = config[key] as JsonObject[string];
  }
  if (Object.keys(geminiOnly).length > 0) extra.generationConfig = geminiOnly;
  const topK = optUint32(config.topK, p("topK"));
  if (topK !== undefined) extra.top_k = topK;
  const seed = optNumber(config.seed, p("seed"));
  if (seed !== undefined && !Number.isSafeInteger(seed))
    throw invalidRequest(`${p("seed")} must be an integer`);
  const fields: Partial<ChatInit> = {
    temperature: optNumber(config.temperature, p("temperature")),
    topP: optNumber(config.topP, p("topP")),
    maxTokens: optUint32(config.maxOutputTokens, p("maxOutputTokens"), 1),
    stop: stopSequences(config.stopSequences),
    n: optUint32(config.candidateCount, p("candidateCount"), 1),
    seed: seed === undefined ? undefined : BigInt(seed),
    presencePenalty: optNumber(config.presencePenalty, p("presencePenalty")),
    frequencyPenalty: optNumber(config.frequencyPenalty, p("frequencyPenalty")),
    logprobs: optBoolean(config.responseLogprobs, p("responseLogprobs")),
    topLogprobs: optUint32(config.logprobs, p("logprobs")),
    responseFormat: responseFormat(config),
    reasoning: thinking(config.thinkingConfig),
  };
  return { fields, extra };
}

const KNOWN = new Set([
  "temperature",
  "topP",
  "topK",
  "maxOutputTokens",
  "stopSequences",
  "candidateCount",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseLogprobs",
  "logprobs",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "thinkingConfig",
]);

function isTextOnly(value: unknown): boolean {
  // Not String(value[0]): turning a deeply nested array into a string recurses past the stack.
  const first = Array.isArray(value) && value.length === 1 ? value[0] : undefined;
  return typeof first === "string" && first.toUpperCase() === "TEXT";
}

function stopSequences(value: unknown): string[] {
  return (optArray(value, "generationConfig.stopSequences") ?? []).map((item, i) => {
    if (typeof item !== "string") {
      throw invalidRequest(`generationConfig.stopSequences[${i}] must be a string, got ${typeName(item)}`);
    }
    return item;
  });
}

function responseFormat(config: JsonObject): ChatInit["responseFormat"] {
  const mime = optString(config.responseMimeType, "generationConfig.responseMimeType");
  const hasSchema = config.responseSchema != null || config.responseJsonSchema != null;
  if (mime === undefined || mime === "text/plain") {
    if (hasSchema) {
      throw invalidRequest('generationConfig.responseSchema needs responseMimeType "application/json"');
    }
    return mime === undefined ? undefined : { type: ResponseFormatType.TEXT };
  }
  if (mime !== "application/json") {
    throw invalidRequest(
      `generationConfig.responseMimeType ${JSON.stringify(mime)} is not supported; use "text/plain" or "application/json"`,
    );
  }
  if (config.responseSchema != null && config.responseJsonSchema != null) {
    throw invalidRequest("generationConfig: set responseSchema or responseJsonSchema, not both");
  }
  const schema =
    config.responseJsonSchema != null
      ? expectObject(config.responseJsonSchema, "generationConfig.responseJsonSchema")
      : config.responseSchema != null
        ? schemaToJsonSchema(config.responseSchema, "generationConfig.responseSchema")
        : undefined;
  if (schema === undefined) return { type: ResponseFormatType.JSON_OBJECT };
  return { type: ResponseFormatType.JSON_SCHEMA, name: "response", schema };
}

const LEVELS: Record<string, string> = { MINIMAL: "minimal", LOW: "low", MEDIUM: "medium", HIGH: "high" };

/** thinkingConfig as canonical Reasoning: a budget of 0 turns thinking off, -1 leaves the amount to the model. */
function thinking(value: unknown): ChatInit["reasoning"] {
  if (value === undefined || value === null) return undefined;
  const config = expectObject(value, "generationConfig.thinkingConfig");
  const p = (name: string) => `generationConfig.thinkingConfig.${name}`;
  for (const key in config) {
    if (
      key !== "includeThoughts" &&
      key !== "thinkingBudget" &&
      key !== "thinkingLevel" &&
      config[key] != null
    ) {
      throw invalidRequest(`${p(key)} is not a field this gateway knows`);
    }
  }
  const reasoning = create(ReasoningSchema, {
    include: optBoolean(config.includeThoughts, p("includeThoughts")),
  });
  const budget = optNumber(config.thinkingBudget, p("thinkingBudget"));
  const level = optString(config.thinkingLevel, p("thinkingLevel"));
  if (budget !== undefined && level !== undefined) {
    throw invalidRequest("generationConfig.thinkingConfig: set thinkingBudget or thinkingLevel, not both");
  }
  if (budget === 0) reasoning.enabled = false;
  else if (budget === -1) reasoning.enabled = true;
  else if (budget !== undefined) {
    reasoning.budgetTokens = optUint32(budget, p("thinkingBudget"), 1);
    reasoning.enabled = true;
  }
  if (level !== undefined && level !== "THINKING_LEVEL_UNSPECIFIED") {
    const effort = LEVELS[level];
    if (effort === undefined) {
      throw invalidRequest(
        `${p("thinkingLevel")} must be MINIMAL, LOW, MEDIUM or HIGH, got ${JSON.stringify(level)}`,
      );
    }
    reasoning.effort = effort;
  }
  return reasoning;
}
