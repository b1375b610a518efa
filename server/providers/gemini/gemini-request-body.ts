import {
  type ChatRequest,
  ResponseFormatType,
  type ToolChoice,
  ToolChoiceMode,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { conversationToGemini } from "./gemini-contents.ts";
import { OPENAI_ONLY_KEYS } from "./gemini-openai-only.ts";
import { thinkingConfig } from "./gemini-thinking.ts";
import { rejectUnsupported } from "./gemini-unsupported.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content and
 * ai.google.dev/api/caching#Tool):
 * - `generationConfig` holds temperature, topP, topK, maxOutputTokens,
 *   stopSequences, seed, presencePenalty, frequencyPenalty, candidateCount,
 *   responseLogprobs / logprobs, responseMimeType, thinkingConfig and more;
 * - `responseJsonSchema` takes a JSON Schema (the older `responseSchema`
 *   takes only an OpenAPI subset) and requires responseMimeType
 *   `application/json`;
 * - tools are `[{functionDeclarations: [{name, description,
 *   parametersJsonSchema}]}]`; `parametersJsonSchema` takes JSON Schema, as
 *   OpenAI-style tools carry it (`parameters` is the OpenAPI subset and
 *   refuses keywords such as `additionalProperties`);
 * - `toolConfig.functionCallingConfig` is `{mode: AUTO|ANY|NONE,
 *   allowedFunctionNames}`, the names only with ANY.
 */

/**
 * `extra` keys that belong in `generationConfig` rather than at the top of
 * the body, by their camelCase name (snake_case spellings are accepted too).
 * OpenAI-only keys (gemini-openai-only.ts) are dropped. Every other `extra`
 * key (safetySettings, cachedContent, labels...) goes to the top of the body
 * unchanged, and a whole `generationConfig` object in `extra` is merged in.
 * Modeled fields always win over `extra`.
 */
const GENERATION_KEYS = new Set([
  "temperature",
  "topP",
  "topK",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "thinkingConfig",
  "responseModalities",
  "speechConfig",
  "mediaResolution",
  "imageConfig",
  "enableEnhancedCivicAnswers",
  "responseMimeType",
  "responseSchema",
  "responseJsonSchema",
  "logprobs",
  "responseLogprobs",
  "candidateCount",
  "maxOutputTokens",
  "stopSequences",
]);

type Json = Record<string, unknown>;

/**
 * Builds the Gemini generateContent body for a canonical request, as one
 * object serialized once. Rejects, naming the feature, what Gemini cannot
 * honour. The model and streaming live in the URL, not the body.
 */
export function geminiRequestBody(provider: string, request: ChatRequest): string {
  rejectUnsupported(provider, request);
  const { body, generation } = splitExtra(request.extra);
  const { systemInstruction, contents } = conversationToGemini(provider, request.messages);
  if (systemInstruction !== undefined) body.systemInstruction = systemInstruction;
  body.contents = contents;
  if (request.tools.length > 0) {
    // Built-in tools from `extra` (googleSearch, codeExecution...) stay beside the functions.
    const builtIn = Array.isArray(body.tools) ? body.tools : [];
    body.tools = [
      ...builtIn,
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          ...(tool.parameters ? { parametersJsonSchema: tool.parameters } : {}),
        })),
      },
    ];
    const config = functionCallingConfig(request.toolChoice);
    if (config !== undefined) body.toolConfig = { functionCallingConfig: config };
  }
  if (request.temperature !== undefined) generation.temperature = request.temperature;
  if (request.topP !== undefined) generation.topP = request.topP;
  if (request.maxTokens !== undefined) generation.maxOutputTokens = request.maxTokens;
  if (request.stop.length > 0) generation.stopSequences = request.stop;
  if (request.seed !== undefined) generation.seed = Number(request.seed);
  if (request.presencePenalty !== undefined) generation.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) generation.frequencyPenalty = request.frequencyPenalty;
  if (request.n !== undefined) generation.candidateCount = request.n;
  if (request.logprobs !== undefined) generation.responseLogprobs = request.logprobs;
  if (request.topLogprobs !== undefined) generation.logprobs = request.topLogprobs;
  const thinking = thinkingConfig(request.reasoning);
  if (thinking !== undefined) generation.thinkingConfig = thinking;
  const format = request.responseFormat;
  if (format?.type === ResponseFormatType.JSON_OBJECT || format?.type === ResponseFormatType.JSON_SCHEMA) {
    generation.responseMimeType = "application/json";
    if (format.type === ResponseFormatType.JSON_SCHEMA && format.schema !== undefined) {
      generation.responseJsonSchema = format.schema;
      delete generation.responseSchema;
    }
  }
  if (Object.keys(generation).length > 0) body.generationConfig = generation;
  return JSON.stringify(body);
}

/** `extra` split into top-level body fields and generationConfig fields. */
function splitExtra(extra: Json | undefined): { body: Json; generation: Json } {
  const body: Json = {};
  const generation: Json = {};
  if (extra === undefined) return { body, generation };
  for (const [key, value] of Object.entries(extra)) {
    if (OPENAI_ONLY_KEYS.has(key)) continue;
    const name = camelCase(key);
    if (name === "generationConfig" && isObject(value)) {
      for (const [inner, v] of Object.entries(value)) generation[camelCase(inner)] = v;
    } else if (GENERATION_KEYS.has(name)) generation[name] = value;
    else body[key] = value;
  }
  return { body, generation };
}

function functionCallingConfig(choice: ToolChoice | undefined): Json | undefined {
  switch (choice?.choice.case) {
    case "function":
      return { mode: "ANY", allowedFunctionNames: [choice.choice.value] };
    case "mode":
      if (choice.choice.value === ToolChoiceMode.NONE) return { mode: "NONE" };
      if (choice.choice.value === ToolChoiceMode.AUTO) return { mode: "AUTO" };
      if (choice.choice.value === ToolChoiceMode.REQUIRED) return { mode: "ANY" };
      return undefined;
    default:
      return undefined;
  }
}

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
