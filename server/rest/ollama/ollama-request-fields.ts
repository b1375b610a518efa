import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type { ChatRequestSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { optBoolean, optString, optUint32, unmodeledFields } from "../openai/json-fields.ts";
import { checkKeepAlive, parseOllamaFormat, parseOllamaThink } from "./parse-ollama-format.ts";
import { parseOllamaOptions } from "./parse-ollama-options.ts";

/** The fields `/api/chat` and `/api/generate` share, which the common parser reads. */
export const SHARED_FIELDS = [
  "model",
  "stream",
  "format",
  "options",
  "think",
  "keep_alive",
  "logprobs",
  "top_logprobs",
];

/** A canonical request's fields as plain init values (not a built message), so parsers can add to them. */
export type ChatInit = Extract<MessageInitShape<typeof ChatRequestSchema>, { $typeName?: undefined }>;

/** What both parsers hand on: the canonical fields, and whether the caller wants a stream. */
export interface OllamaRequestFields {
  readonly init: ChatInit;
  readonly stream: boolean;
}

/**
 * Reads the fields `/api/chat` and `/api/generate` share. `modeled` names every
 * field the endpoint's parser reads (SHARED_FIELDS among them); any other field is copied
 * into `extra` and reaches the upstream unchanged. `stream` defaults to true,
 * as at Ollama. Log probabilities are refused: the canonical answer has no
 * place for them yet.
 */
export function ollamaRequestFields(json: JsonObject, modeled: ReadonlySet<string>): OllamaRequestFields {
  const model = optString(json.model, "model");
  if (!model) throw invalidRequest("model is required", "model");
  if (
    optBoolean(json.logprobs, "logprobs") === true ||
    (optUint32(json.top_logprobs, "top_logprobs") ?? 0) > 0
  ) {
    throw invalidRequest("logprobs are not supported by the gateway's Ollama API", "logprobs");
  }
  checkKeepAlive(json.keep_alive);
  const extra: JsonObject = unmodeledFields(json, modeled) ?? {};
  const sampling = parseOllamaOptions(json.options, extra);
  return {
    init: {
      model,
      responseFormat: parseOllamaFormat(json.format),
      reasoning: parseOllamaThink(json.think),
      ...sampling,
      extra: Object.keys(extra).length > 0 ? extra : undefined,
    },
    stream: optBoolean(json.stream, "stream") ?? true,
  };
}
