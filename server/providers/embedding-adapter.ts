import type { EmbedRequest, EmbedResponse } from "../../gen/llmgw/v1/embeddings_pb.js";
import type { ProviderAdapter, UpstreamCall } from "./adapter.ts";

/**
 * The embeddings ability, kept apart from ProviderAdapter: not every upstream
 * API has embeddings, and an ability is an interface an adapter implements,
 * not a flag it sets.
 */
export interface EmbeddingAdapter {
  /**
   * Embeds every input of the request with the upstream `model`, one vector
   * per input in input order. Usage holds prompt tokens only; the gateway
   * metadata is filled in by the core. Rejects with a GatewayError.
   */
  embed(request: EmbedRequest, model: string, call: UpstreamCall): Promise<EmbedResponse>;
}

/** Whether a provider's adapter can embed; the core asks before routing an embeddings call to it. */
export function canEmbed(adapter: ProviderAdapter): adapter is ProviderAdapter & EmbeddingAdapter {
  return typeof (adapter as Partial<EmbeddingAdapter>).embed === "function";
}
