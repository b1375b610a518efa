import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../policy/validate/json-depth.ts";
import { expectObject, optArray } from "../openai/json-fields.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/caching#Schema): the
 * `Schema` of `parameters` and `responseSchema` is an OpenAPI 3.0 subset
 * with upper-case type names (`OBJECT`, `STRING`, as `@google/genai`'s
 * `Type` enum sends them), `nullable`, `example`, `anyOf` and a Gemini-only
 * `propertyOrdering`. The newer `parametersJsonSchema` and
 * `responseJsonSchema` take JSON Schema itself and need no conversion.
 */

/** Keywords that mean the same in JSON Schema and are copied as they are (nested schemas apart). */
const SAME = new Set([
  "format",
  "title",
  "description",
  "enum",
  "maxItems",
  "minItems",
  "required",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "default",
  "minimum",
  "maximum",
]);

const TYPES = new Set(["STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"]);

/**
 * A Gemini `Schema` as the JSON Schema the canonical request carries (every
 * backend's tools take JSON Schema): type names lower-cased, `nullable: true`
 * as a `"null"` type, `example` as `examples`. `propertyOrdering` is a
 * generation hint with no JSON Schema keyword; the properties keep the order
 * it gives instead. An unknown keyword is refused, naming it, and so is a
 * schema nested deeper than any other free-form JSON may be (the conversion
 * recurses).
 */
export function schemaToJsonSchema(value: unknown, param: string): JsonObject {
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    throw invalidRequest(`${param} nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return convert(value, param);
}

function convert(value: unknown, param: string): JsonObject {
  const schema = expectObject(value, param);
  const out: JsonObject = {};
  let nullable = false;
  for (const key in schema) {
    const item = schema[key] as JsonValue;
    if (item === null || item === undefined) continue;
    if (SAME.has(key)) out[key] = item;
    else if (key === "type") {
      const type = typeof item === "string" ? item.toUpperCase() : "";
      if (type === "TYPE_UNSPECIFIED") continue;
      if (!TYPES.has(type)) throw invalidRequest(`${param}.type: unknown type ${JSON.stringify(item)}`);
      out.type = type.toLowerCase();
    } else if (key === "nullable") nullable = item === true;
    else if (key === "example") out.examples = [item];
    else if (key === "items") out.items = convert(item, `${param}.items`);
    else if (key === "anyOf") {
      out.anyOf = (optArray(item, `${param}.anyOf`) ?? []).map((s, i) => convert(s, `${param}.anyOf[${i}]`));
    } else if (key === "properties") {
      out.properties = properties(expectObject(item, `${param}.properties`), schema.propertyOrdering, param);
    } else if (key !== "propertyOrdering") {
      throw invalidRequest(`${param}: the schema keyword "${key}" is not supported`);
    }
  }
  if (nullable) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    else if (out.anyOf !== undefined) (out.anyOf as JsonValue[]).push({ type: "null" });
  }
  return out;
}

/** The properties in `ordering`'s order, then the rest; own keys only, so `constructor` is a property like any other. */
function properties(props: JsonObject, ordering: unknown, param: string): JsonObject {
  const out: JsonObject = {};
  const order = Array.isArray(ordering)
    ? ordering.filter((name) => typeof name === "string" && Object.hasOwn(props, name))
    : [];
  for (const name of [...order, ...Object.keys(props)] as string[]) {
    if (Object.hasOwn(out, name)) continue;
    // Assigning it would set the object's prototype: the property would be lost, not sent.
    if (name === "__proto__")
      throw invalidRequest(`${param}.properties: "__proto__" cannot be a property name`);
    out[name] = convert(props[name], `${param}.properties.${name}`);
  }
  return out;
}
