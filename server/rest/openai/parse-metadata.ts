import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject } from "./json-fields.ts";

/** OpenAI's limits on `metadata`: 16 pairs, keys of up to 64 characters, values of up to 512. */
const MAX_PAIRS = 16;
const MAX_KEY = 64;
const MAX_VALUE = 512;

/**
 * `metadata` on chat completions and responses, within OpenAI's limits: the
 * gateway forwards it to OpenAI-compatible upstreams (which refuse more) and
 * stores it with a response, so a caller learns at once, naming the field.
 */
export function parseMetadata(value: unknown): Record<string, string> {
  const map = parseStringMap(value, "metadata");
  const keys = Object.keys(map);
  if (keys.length > MAX_PAIRS) {
    throw invalidRequest(`metadata may hold at most ${MAX_PAIRS} pairs, got ${keys.length}`, "metadata");
  }
  for (const key of keys) {
    if (key.length > MAX_KEY) {
      throw invalidRequest(
        `metadata keys may be at most ${MAX_KEY} characters, got ${key.length}`,
        "metadata",
      );
    }
    const length = (map[key] as string).length;
    if (length > MAX_VALUE) {
      throw invalidRequest(
        `metadata values may be at most ${MAX_VALUE} characters, got ${length}`,
        `metadata.${key}`,
      );
    }
  }
  return map;
}

/** An object of strings. */
function parseStringMap(value: unknown, param: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const map = expectObject(value, param);
  for (const [key, item] of Object.entries(map)) {
    if (typeof item !== "string") throw invalidRequest(`${param}.${key} must be a string`, `${param}.${key}`);
  }
  return map as Record<string, string>;
}
