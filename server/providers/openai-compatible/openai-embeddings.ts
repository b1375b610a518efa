import { create } from "@bufbuild/protobuf";
import {
  type Embedding,
  EmbeddingSchema,
  type EmbedRequest,
  type EmbedResponse,
  EmbedResponseSchema,
} from "../../../gen/llmgw/v1/embeddings_pb.js";
import { estimateInputUsage } from "../../usage/token-estimate.ts";
import { float32FromBase64 } from "../../wire/openai/float32-base64.ts";
import type { OpenAIUsage } from "../../wire/openai/wire-types.ts";
import { badEmbeddings, float32Vector } from "../embedding-answer.ts";
import { usageFromOpenAI } from "./openai-usage.ts";

/** One entry of an upstream's `data`: a float array, or base64 float32 from servers that answer that way. */
interface OpenAIEmbeddingItem {
  index?: unknown;
  embedding?: unknown;
}

interface OpenAIEmbeddingList {
  data?: unknown;
  model?: unknown;
  usage?: OpenAIUsage | null;
}

/**
 * The OpenAI `POST /embeddings` body for a canonical request, serialized once.
 * Floats are asked for, which every OpenAI-compatible server supports;
 * `extra` goes in first so a modeled field always wins.
 */
export function openAIEmbeddingsBody(request: EmbedRequest, model: string): string {
  const body: Record<string, unknown> = request.extra === undefined ? {} : { ...request.extra };
  body.model = model;
  body.input = request.inputs;
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.user) body.user = request.user;
  body.encoding_format = "float";
  return JSON.stringify(body);
}

/**
 * Parses an upstream's embeddings answer into the canonical response: one
 * float32 vector per input, placed by `index`. An answer with the wrong
 * number of vectors, or vectors that are not numbers, is an upstream error.
 */
export async function embeddingsFromOpenAI(
  provider: string,
  text: string,
  request: EmbedRequest,
): Promise<EmbedResponse> {
  const bad = (what: string) => badEmbeddings(provider, what);
  let parsed: OpenAIEmbeddingList;
  try {
    parsed = JSON.parse(text) as OpenAIEmbeddingList;
  } catch {
    throw bad("invalid JSON");
  }
  const data = parsed?.data;
  if (!Array.isArray(data)) throw bad("no data array");
  const count = request.inputs.length;
  if (data.length !== count) throw bad(`${data.length} vectors for ${count} inputs`);
  const embeddings = new Array<Embedding>(count);
  data.forEach((item: OpenAIEmbeddingItem, position) => {
    const index = typeof item?.index === "number" ? item.index : position;
    if (!Number.isInteger(index) || index < 0 || index >= count || embeddings[index] !== undefined) {
      throw bad(`a missing or repeated index ${index}`);
    }
    const values = vector(item?.embedding);
    if (values === undefined) throw bad(`a malformed vector at index ${index}`);
    embeddings[index] = create(EmbeddingSchema, { index, values });
  });
  return create(EmbedResponseSchema, {
    embeddings,
    model: typeof parsed.model === "string" ? parsed.model : "",
    usage: parsed.usage?.prompt_tokens
      ? usageFromOpenAI(parsed.usage)
      : await estimateInputUsage(request.inputs),
  });
}

/** A vector as float32 values: JSON numbers, or base64 float32 from servers that answer that way. */
function vector(embedding: unknown): number[] | undefined {
  return typeof embedding === "string" ? float32FromBase64(embedding) : float32Vector(embedding);
}
