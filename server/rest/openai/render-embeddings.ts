import type { EmbedResponse } from "../../../gen/llmgw/v1/embeddings_pb.js";
import { float32ToBase64 } from "../../wire/openai/float32-base64.ts";
import { renderGateway } from "./render-completion.ts";

/**
 * A canonical embeddings response as OpenAI's `list` of `embedding` objects,
 * each vector as JSON numbers or as base64 float32 (little-endian), with the
 * gateway's `x-llmgw` object.
 */
export function renderEmbeddings(response: EmbedResponse, model: string, base64: boolean): string {
  const usage = response.usage;
  const prompt = usage?.promptTokens ?? 0;
  return JSON.stringify({
    object: "list",
    data: response.embeddings.map((embedding) => ({
      object: "embedding",
      index: embedding.index,
      embedding: base64 ? float32ToBase64(embedding.values) : embedding.values,
    })),
    model: response.model || model,
    usage: {
      prompt_tokens: prompt,
      total_tokens: usage?.totalTokens || prompt,
      ...(usage?.estimated ? { estimated: true } : {}),
    },
    "x-llmgw": renderGateway(response.gateway),
  });
}
