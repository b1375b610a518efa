import { create } from "@bufbuild/protobuf";
import {
  type Embedding,
  EmbeddingSchema,
  type EmbedRequest,
  type EmbedResponse,
  EmbedResponseSchema,
} from "../../../gen/llmgw/v1/embeddings_pb.js";
import { estimateInputUsage } from "../../usage/token-estimate.ts";
import { badEmbeddings, float32Vector } from "../embedding-answer.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/embeddings): `POST
 * {base}/models/{model}:batchEmbedContents` with `{requests: [{model:
 * "models/{model}", content: {parts: [{text}]}, taskType?, title?,
 * outputDimensionality?}]}`, where every request's model must be the one in
 * the URL; the answer is `{embeddings: [{values: number[]}]}` in request
 * order, with no token counts. One call takes at most 100 requests ("at most
 * 100 requests can be in one batch"), so larger batches are split.
 */

/** The most requests Gemini accepts in one batchEmbedContents call. */
export const GEMINI_EMBED_BATCH = 100;

/** `extra` keys that belong in each EmbedContentRequest rather than at the top of the body (camelCase). */
const PER_REQUEST_KEYS = new Set(["taskType", "title", "outputDimensionality"]);

type Json = Record<string, unknown>;

/**
 * The batchEmbedContents bodies for a canonical request, one per slice of at
 * most GEMINI_EMBED_BATCH inputs, each serialized once. `extra` keys
 * `taskType`, `title` and `outputDimensionality` (snake_case accepted) go into
 * every request, any other key to the top of the body; `dimensions` wins over
 * an `outputDimensionality` in `extra`. Gemini has no end-user field, so
 * `user` is not sent.
 */
export function geminiEmbedBodies(request: EmbedRequest, model: string): string[] {
  const top: Json = {};
  const shared: Json = { model: model.includes("/") ? model : `models/${model}` };
  for (const [key, value] of Object.entries(request.extra ?? {})) {
    const name = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (PER_REQUEST_KEYS.has(name)) shared[name] = value;
    else top[key] = value;
  }
  if (request.dimensions !== undefined) shared.outputDimensionality = request.dimensions;
  const bodies: string[] = [];
  for (let start = 0; start < request.inputs.length; start += GEMINI_EMBED_BATCH) {
    const slice = request.inputs.slice(start, start + GEMINI_EMBED_BATCH);
    top.requests = slice.map((text) => ({ ...shared, content: { parts: [{ text }] } }));
    bodies.push(JSON.stringify(top));
  }
  return bodies;
}

/**
 * Parses Gemini's answers (one per body, in order) into the canonical
 * response. Gemini reports no tokens for embeddings, so usage is estimated
 * and marked so. An answer with the wrong number of vectors, or vectors that
 * are not numbers, is an upstream error.
 */
export async function embeddingsFromGemini(
  provider: string,
  answers: readonly string[],
  request: EmbedRequest,
  model: string,
): Promise<EmbedResponse> {
  const embeddings: Embedding[] = [];
  answers.forEach((text, batch) => {
    const start = batch * GEMINI_EMBED_BATCH;
    const expected = Math.min(GEMINI_EMBED_BATCH, request.inputs.length - start);
    let parsed: { embeddings?: unknown } | null;
    try {
      parsed = JSON.parse(text) as { embeddings?: unknown } | null;
    } catch {
      throw badEmbeddings(provider, "invalid JSON");
    }
    const items = parsed?.embeddings;
    if (!Array.isArray(items)) throw badEmbeddings(provider, "no embeddings array");
    if (items.length !== expected) {
      throw badEmbeddings(provider, `${items.length} vectors for ${expected} inputs`);
    }
    items.forEach((item: { values?: unknown } | null, offset) => {
      const index = start + offset;
      const values = float32Vector(item?.values);
      if (values === undefined) throw badEmbeddings(provider, `a malformed vector at index ${index}`);
      embeddings.push(create(EmbeddingSchema, { index, values }));
    });
  });
  if (embeddings.length !== request.inputs.length) {
    throw badEmbeddings(provider, `${embeddings.length} vectors for ${request.inputs.length} inputs`);
  }
  return create(EmbedResponseSchema, { embeddings, model, usage: await estimateInputUsage(request.inputs) });
}
