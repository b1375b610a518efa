import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CallOptions } from "@connectrpc/connect";
import type { EmbedRequestSchema } from "../gen/llmgw/v1/embeddings_pb.js";
import type { LlmgwClient } from "./client.ts";

/** What `embed` needs of a client. */
export type EmbeddingsClient = Pick<LlmgwClient, "embeddings">;

/** Optional EmbedRequest fields: `dimensions`, `user`, `extra`. */
export type EmbedOptions = Omit<
  MessageInitShape<typeof EmbedRequestSchema>,
  "model" | "inputs" | "$typeName"
>;

/**
 * One vector per input, in input order, with what it cost in tokens.
 *
 * @example
 * const { vectors } = await embed(llmgw, "text-embedding-3-small", ["a cat", "a dog"]);
 */
export async function embed(
  client: EmbeddingsClient,
  model: string,
  inputs: string[],
  options: EmbedOptions = {},
  call?: CallOptions,
): Promise<{ vectors: number[][]; promptTokens: number; model: string }> {
  const answer = await client.embeddings.embed({ ...options, model, inputs }, call);
  const vectors: number[][] = new Array(inputs.length);
  for (const e of answer.embeddings) vectors[e.index] = e.values;
  return { vectors, promptTokens: answer.usage?.promptTokens ?? 0, model: answer.model };
}
