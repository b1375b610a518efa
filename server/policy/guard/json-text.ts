import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/** Scans (and masks) one string of the object's top-level field `field`; throws `guardrail_blocked` for a block. */
export type TextScan = (text: string, field: string) => string;

/**
 * Every string of a free-form JSON field (`extra`, a tool's parameter
 * schema, a response schema), object keys included, passed through `scan`
 * in place: they all reach the model as the caller wrote them, so a secret
 * there must be found as it is in a message. Validation has bounded the
 * nesting (json-depth.ts), so the walk may recurse.
 */
export function scanJsonObject(object: JsonObject, scan: TextScan): void {
  for (const key of Object.keys(object)) object[key] = scanJson(object[key] as JsonValue, scan, key);
  renameKeys(object, (key) => scan(key, key));
}

function scanJson(value: JsonValue, scan: TextScan, field: string): JsonValue {
  if (typeof value === "string") return scan(value, field);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = scanJson(value[i] as JsonValue, scan, field);
    return value;
  }
  for (const key of Object.keys(value)) value[key] = scanJson(value[key] as JsonValue, scan, field);
  renameKeys(value, (key) => scan(key, field));
  return value;
}

/** Puts each value under its scanned key (a masked key, where a rule redacts one). */
function renameKeys(object: JsonObject, scan: (key: string) => string): void {
  for (const key of Object.keys(object)) {
    const scanned = scan(key);
    if (scanned === key) continue;
    const value = object[key] as JsonValue;
    delete object[key];
    object[scanned] = value;
  }
}
