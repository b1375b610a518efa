import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type ReasoningSchema,
  type ResponseFormatSchema,
  ResponseFormatType,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { isObject, typeName } from "../openai/json-fields.ts";

/**
 * Ollama's `format`: `"json"` asks for any JSON object, an object is a JSON
 * schema the answer must match (named "response", since OpenAI-compatible
 * upstreams require a schema name), and `""` or absent asks for plain text.
 */
export function parseOllamaFormat(value: unknown): MessageInitShape<typeof ResponseFormatSchema> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (value === "json") return { type: ResponseFormatType.JSON_OBJECT };
  if (isObject(value)) return { type: ResponseFormatType.JSON_SCHEMA, name: "response", schema: value };
  throw invalidRequest(`format must be "json" or a JSON schema object, got ${describe(value)}`, "format");
}

const EFFORTS = new Set(["low", "medium", "high"]);

/**
 * Ollama's `think`: `true` turns thinking on and asks for the reasoning text
 * back (as `message.thinking`), `false` turns it off, and `"low"`,
 * `"medium"` or `"high"` set an effort.
 */
export function parseOllamaThink(value: unknown): MessageInitShape<typeof ReasoningSchema> | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true) return { enabled: true, include: true };
  if (value === false) return { enabled: false };
  if (typeof value === "string" && EFFORTS.has(value)) return { effort: value, enabled: true, include: true };
  throw invalidRequest(
    `think must be true, false, "low", "medium" or "high", got ${describe(value)}`,
    "think",
  );
}

/** `keep_alive` is accepted and ignored (the gateway loads no models), but only in Ollama's own types. */
export function checkKeepAlive(value: unknown): void {
  if (value === undefined || value === null || typeof value === "string" || typeof value === "number") return;
  throw invalidRequest(
    `keep_alive must be a duration string or a number, got ${typeName(value)}`,
    "keep_alive",
  );
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : typeName(value);
}
