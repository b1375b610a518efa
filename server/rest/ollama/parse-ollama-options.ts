import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject, optNumber, optUint32, typeName } from "../openai/json-fields.ts";

/** The canonical sampling fields an Ollama `options` object sets. */
export interface OllamaSampling {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop: string[];
  seed?: bigint;
  presencePenalty?: number;
  frequencyPenalty?: number;
}

/**
 * Ollama's `options` to canonical fields: `temperature`, `top_p`,
 * `num_predict` (max tokens; -1 and -2, Ollama's "no limit" and "fill the
 * context", leave it unset), `stop`, `seed` (-1, Ollama's default, means a
 * random seed and leaves it unset) and the two penalties. Every other
 * option (`top_k`, `min_p`, `repeat_penalty`, `num_ctx`, …) is copied flat
 * into `extra`, where the Ollama adapter puts it back into `options` and an
 * OpenAI-compatible upstream reads it top-level (or refuses it itself).
 */
export function parseOllamaOptions(value: unknown, extra: JsonObject): OllamaSampling {
  if (value === undefined || value === null) return { stop: [] };
  const options = expectObject(value, "options");
  const out: OllamaSampling = { stop: [] };
  for (const key in options) {
    const item = options[key];
    if (item === undefined || item === null) continue;
    switch (key) {
      case "temperature":
        out.temperature = optNumber(item, "options.temperature");
        break;
      case "top_p":
        out.topP = optNumber(item, "options.top_p");
        break;
      case "num_predict":
        out.maxTokens = numPredict(item);
        break;
      case "stop":
        out.stop = stopList(item);
        break;
      case "seed":
        if (item !== -1) out.seed = seed(item);
        break;
      case "presence_penalty":
        out.presencePenalty = optNumber(item, "options.presence_penalty");
        break;
      case "frequency_penalty":
        out.frequencyPenalty = optNumber(item, "options.frequency_penalty");
        break;
      default:
        extra[key] = item as JsonValue;
    }
  }
  return out;
}

function numPredict(value: unknown): number | undefined {
  if (value === -1 || value === -2) return undefined;
  return optUint32(value, "options.num_predict", 1);
}

function stopList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value))
    throw invalidRequest(`options.stop must be an array of strings, got ${typeName(value)}`, "options.stop");
  return value.map((item, i) => {
    if (typeof item !== "string")
      throw invalidRequest(`options.stop[${i}] must be a string, got ${typeName(item)}`, "options.stop");
    return item;
  });
}

function seed(value: unknown): bigint {
  const number = optNumber(value, "options.seed") as number;
  if (!Number.isSafeInteger(number)) throw invalidRequest("options.seed must be an integer", "options.seed");
  return BigInt(number);
}
