import { create } from "@bufbuild/protobuf";
import { type EmbedRequest, EmbedRequestSchema } from "../../../gen/llmgw/v1/embeddings_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject, optString, optUint32, typeName, unmodeledFields } from "./json-fields.ts";

/** The OpenAI request fields the canonical request models; everything else rides in `extra`. */
const MODELED = new Set(["model", "input", "encoding_format", "dimensions", "user"]);

/** What the shim needs besides the canonical request. */
export interface OpenAIEmbedCall {
  readonly request: EmbedRequest;
  /** The caller asked for base64 float32 vectors (the `openai` SDK's default) rather than JSON numbers. */
  readonly base64: boolean;
}

/**
 * An OpenAI embeddings body to the canonical request, with errors that name
 * the field. `input` is one string or an array of strings; token arrays have
 * no canonical form (the gateway cannot know each upstream's tokenizer), so
 * they are refused. A missing `encoding_format` means float, as at OpenAI.
 */
export function parseEmbedRequest(body: unknown): OpenAIEmbedCall {
  const json = expectObject(body, "body");
  const model = optString(json.model, "model");
  if (!model) throw invalidRequest("you must provide a model parameter", "model");
  const format = optString(json.encoding_format, "encoding_format") ?? "float";
  if (format !== "float" && format !== "base64") {
    throw invalidRequest(`encoding_format must be "float" or "base64", got "${format}"`, "encoding_format");
  }
  const extra = unmodeledFields(json, MODELED);
  const dimensions = optUint32(json.dimensions, "dimensions", 1);
  const request = create(EmbedRequestSchema, {
    model,
    inputs: inputs(json.input),
    user: optString(json.user, "user") ?? "",
    ...(dimensions === undefined ? {} : { dimensions }),
    ...(extra ? { extra } : {}),
  });
  return { request, base64: format === "base64" };
}

function inputs(input: unknown): string[] {
  if (input === undefined || input === null)
    throw invalidRequest("you must provide an input parameter", "input");
  if (typeof input === "string") return [input];
  if (!Array.isArray(input)) {
    throw invalidRequest(`input must be a string or an array of strings, got ${typeName(input)}`, "input");
  }
  for (let i = 0; i < input.length; i++) {
    const item: unknown = input[i];
    if (typeof item === "string") continue;
    if (typeof item === "number" || Array.isArray(item)) {
      throw invalidRequest("token-array input is not supported; send the text as strings", "input");
    }
    throw invalidRequest(`input[${i}] must be a string, got ${typeName(item)}`, `input[${i}]`);
  }
  return input as string[];
}
