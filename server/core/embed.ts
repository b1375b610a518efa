import type { EmbedRequest, EmbedResponse } from "../../gen/llmgw/v1/embeddings_pb.js";
import { invalidRequest } from "../errors/gateway-error.ts";
import type { UpstreamCall } from "../providers/adapter.ts";
import { canEmbed } from "../providers/embedding-adapter.ts";
import type { Route } from "../routing/model-router.ts";

/**
 * Runs an embeddings request on its route's provider, if that provider has
 * the embeddings ability; one that has not is the caller's mistake (it named
 * a model of a provider whose API has no embeddings), not a gateway failure.
 */
export async function embedOnRoute(
  route: Route,
  request: EmbedRequest,
  call: UpstreamCall,
): Promise<EmbedResponse> {
  const adapter = route.adapter;
  if (!canEmbed(adapter)) {
    throw invalidRequest(`provider ${route.provider} does not support embeddings`, "model");
  }
  return adapter.embed(request, route.model, call);
}
