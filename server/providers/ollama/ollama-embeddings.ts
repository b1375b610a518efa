import { create } from "@bufbuild/protobuf";
import {
  type Embedding,
  EmbeddingSchema,
  type EmbedRequest,
  type EmbedResponse,
  EmbedResponseSchema,
} from "../../../gen/llmgw/v1/embeddings_pb.js";
import { estimateInputUsage } from "../../usage/token-estimate.ts";
import { tokenUsage } from "../../usage/token-usage.ts";
import { badEmbeddings, float32Vector } from "../embedding-answer.ts";
import { splitExtra } from "./ollama-options.ts";

/*
 * Follows Ollama's API reference for `POST /api/embed`: the body is `{model,
 * input: string | string[], truncate?, dimensions?, keep_alive?, options?}`
 * (`truncate` defaults to true: an input longer than the context is cut
 * rather than refused); the answer is `{model, embeddings: number[][],
 * total_duration, load_duration, prompt_eval_count}`, one vector per input in
 * input order. Ollama has no end-user field, so `user` is not sent.
 */

interface OllamaEmbedResponse {
  model?: unknown;
  embeddings?: unknown;
  prompt_eval_count?: unknown;
}

/**
 * The `/api/embed` body for a canonical request, serialized once. `extra`
 * (`truncate`, `keep_alive`, runner options such as `num_ctx`) is split as
 * for chat and goes in first, so a modeled field always wins.
 */
export function ollamaEmbedBody(request: EmbedRequest, model: string): string {
  const { topLevel, options } = splitExtra(request.extra);
  const body = topLevel;
  body.model = model;
  body.input = request.inputs;
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (Object.keys(options).length > 0) body.options = options;
  return JSON.stringify(body);
}

/**
 * Parses Ollama's embed answer into the canonical response. Usage is
 * `prompt_eval_count`, estimated (and marked so) when Ollama leaves it out.
 * An answer with the wrong number of vectors, or vectors that are not
 * numbers, is an upstream error.
 */
export async function embeddingsFromOllama(
  provider: string,
  text: string,
  request: EmbedRequest,
  model: string,
): Promise<EmbedResponse> {
  let parsed: OllamaEmbedResponse | null;
  try {
    parsed = JSON.parse(text) as OllamaEmbedResponse | null;
  } catch {
    throw badEmbeddings(provider, "invalid JSON");
  }
  const vectors = parsed?.embeddings;
  if (!Array.isArray(vectors)) throw badEmbeddings(provider, "no embeddings array");
  const count = request.inputs.length;
  if (vectors.length !== count)
    throw badEmbeddings(provider, `${vectors.length} vectors for ${count} inputs`);
  const embeddings = vectors.map((item: unknown, index): Embedding => {
    const values = float32Vector(item);
    if (values === undefined) throw badEmbeddings(provider, `a malformed vector at index ${index}`);
    return create(EmbeddingSchema, { index, values });
  });
  const prompt = parsed?.prompt_eval_count;
  const usage =
    typeof prompt === "number" && Number.isInteger(prompt) && prompt >= 0
      ? tokenUsage({ promptTokens: prompt, totalTokens: prompt })
      : await estimateInputUsage(request.inputs);
  return create(EmbedResponseSchema, {
    embeddings,
    model: typeof parsed?.model === "string" && parsed.model !== "" ? parsed.model : model,
    usage,
  });
}
