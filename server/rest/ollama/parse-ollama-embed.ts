import { create, type JsonObject } from "@bufbuild/protobuf";
import { type EmbedRequest, EmbedRequestSchema } from "../../../gen/llmgw/v1/embeddings_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import {
  expectObject,
  optBoolean,
  optString,
  optUint32,
  typeName,
  unmodeledFields,
} from "../openai/json-fields.ts";
import { checkKeepAlive } from "./parse-ollama-format.ts";
import { parseOllamaOptions } from "./parse-ollama-options.ts";

/** Which embeddings endpoint: `/api/embed` (`input`, a batch) or the older `/api/embeddings` (`prompt`, one). */
export type OllamaEmbedEndpoint = "embed" | "embeddings";

const MODELED = new Set(["model", "input", "prompt", "truncate", "dimensions", "keep_alive", "options"]);

/**
 * An Ollama embeddings body to the canonical request. `input` is one string
 * or a list of them (`prompt`, one string, on the older endpoint). No input
 * at all (absent, `""` or `[]`) leaves `inputs` empty: Ollama answers it by
 * loading the model.
 * `truncate` is accepted but not honoured either way: the gateway never cuts
 * an input, and an input over the model's limit fails as the upstream fails
 * it. `options` ride in `extra`, sampling options having no meaning here.
 */
export function parseOllamaEmbed(body: unknown, endpoint: OllamaEmbedEndpoint): EmbedRequest {
  const json = expectObject(body, "body");
  const model = optString(json.model, "model");
  if (!model) throw invalidRequest("model is required", "model");
  checkKeepAlive(json.keep_alive);
  optBoolean(json.truncate, "truncate");
  const extra: JsonObject = unmodeledFields(json, MODELED) ?? {};
  parseOllamaOptions(json.options, extra);
  const dimensions = optUint32(json.dimensions, "dimensions", 1);
  return create(EmbedRequestSchema, {
    model,
    inputs: endpoint === "embed" ? inputs(json.input) : prompt(json.prompt),
    ...(dimensions === undefined ? {} : { dimensions }),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  });
}

function inputs(value: unknown): string[] {
  if (value === undefined || value === null || value === "") return [];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) {
    throw invalidRequest(`input must be a string or an array of strings, got ${typeName(value)}`, "input");
  }
  return value.map((item, i) => {
    if (typeof item !== "string")
      throw invalidRequest(`input[${i}] must be a string, got ${typeName(item)}`, `input[${i}]`);
    return item;
  });
}

function prompt(value: unknown): string[] {
  const text = optString(value, "prompt");
  return text ? [text] : [];
}
