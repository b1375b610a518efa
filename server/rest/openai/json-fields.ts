import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { invalidRequest } from "../../errors/gateway-error.ts";

/**
 * Typed reads of fields of a parsed JSON body. Each throws an
 * `invalid_request` that names the field (OpenAI's `param`) and what was
 * expected. `null` counts as absent, as OpenAI treats it.
 */

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function expectObject(value: unknown, param: string): JsonObject {
  if (!isObject(value)) throw invalidRequest(`${param} must be an object, got ${typeName(value)}`, param);
  return value;
}

export function optString(value: unknown, param: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string")
    throw invalidRequest(`${param} must be a string, got ${typeName(value)}`, param);
  return value;
}

export function optNumber(value: unknown, param: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number")
    throw invalidRequest(`${param} must be a number, got ${typeName(value)}`, param);
  // JSON has no infinity, but a literal such as 1e999 parses to one.
  if (!Number.isFinite(value)) throw invalidRequest(`${param} must be a finite number, got ${value}`, param);
  return value;
}

/** The largest value of a proto `uint32`, the type of every integer field the chat and embeddings APIs carry. */
const UINT32_MAX = 4_294_967_295;

/** An integer that fits the canonical request's `uint32` field, so it is never silently wrapped. */
export function optUint32(value: unknown, param: string, min = 0): number | undefined {
  const number = optNumber(value, param);
  if (number === undefined) return undefined;
  if (!Number.isInteger(number) || number < min || number > UINT32_MAX) {
    throw invalidRequest(`${param} must be an integer from ${min} to ${UINT32_MAX}, got ${number}`, param);
  }
  return number;
}

export function optBoolean(value: unknown, param: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean")
    throw invalidRequest(`${param} must be a boolean, got ${typeName(value)}`, param);
  return value;
}

export function optArray(value: unknown, param: string): JsonValue[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidRequest(`${param} must be an array, got ${typeName(value)}`, param);
  return value;
}

export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * The body's fields that `modeled` does not name, for the canonical request's
 * `extra` (passed to the upstream unchanged); undefined when there are none.
 */
export function unmodeledFields(json: JsonObject, modeled: ReadonlySet<string>): JsonObject | undefined {
  let extra: JsonObject | undefined;
  for (const key in json) {
    if (!modeled.has(key) && json[key] !== undefined) {
      extra ??= {};
      extra[key] = json[key] as JsonValue;
    }
  }
  return extra;
}
