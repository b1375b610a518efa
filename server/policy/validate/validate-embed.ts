import type { EmbedRequest } from "../../../gen/llmgw/v1/embeddings_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";

/** OpenAI's limit on inputs per embeddings request, which the gateway applies to every provider. */
export const MAX_EMBED_INPUTS = 2048;

/**
 * Checks an embeddings request before it costs anything upstream, naming the
 * field OpenAI-style whatever the surface.
 */
export function validateEmbed(request: EmbedRequest): void {
  if (request.model === "") throw invalidRequest("you must provide a model parameter", "model");
  const count = request.inputs.length;
  if (count === 0) throw invalidRequest("input must contain at least one string", "input");
  if (count > MAX_EMBED_INPUTS) {
    throw invalidRequest(`input may hold at most ${MAX_EMBED_INPUTS} strings, got ${count}`, "input");
  }
  for (let i = 0; i < count; i++) {
    if (request.inputs[i] === "") {
      throw invalidRequest("each input must be a non-empty string", count === 1 ? "input" : `input[${i}]`);
    }
  }
  if (request.dimensions !== undefined && request.dimensions < 1) {
    throw invalidRequest(`dimensions must be at least 1, got ${request.dimensions}`, "dimensions");
  }
}
