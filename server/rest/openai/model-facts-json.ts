import type { ModelFacts } from "../../routing/model-facts.ts";
import type { CatalogEntry } from "../../routing/model-router.ts";

/**
 * A model's facts as `GET /v1/models` shows them inside `x-llmgw`, in the
 * snake_case of the ModelsService proto. A fact nobody knows is left out,
 * never rendered as 0 or false, so clients can tell "no" from "unknown".
 */
export function modelFactsJson(facts: ModelFacts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (facts.contextWindow !== undefined) out.context_window = facts.contextWindow;
  if (facts.inputModalities !== undefined) out.input_modalities = facts.inputModalities;
  if (facts.supportsTools !== undefined) out.supports_tools = facts.supportsTools;
  if (facts.supportsJsonMode !== undefined) out.supports_json_mode = facts.supportsJsonMode;
  if (facts.supportsEmbeddings !== undefined) out.supports_embeddings = facts.supportsEmbeddings;
  const price = facts.pricing;
  if (price !== undefined) {
    out.pricing = {
      input_per_mtok: price.input,
      output_per_mtok: price.output,
      ...(price.cached_input === undefined ? {} : { cached_input_per_mtok: price.cached_input }),
      ...(price.cache_write === undefined ? {} : { cache_write_per_mtok: price.cache_write }),
      source: price.source,
    };
  }
  return out;
}

/** A catalogue entry's `x-llmgw` object in model listings: where it is served from, and its facts. */
export function catalogEntryJson(model: CatalogEntry): Record<string, unknown> {
  return {
    provider: model.provider,
    upstream_model: model.upstreamModel,
    source: model.source,
    ...modelFactsJson(model.facts),
  };
}
