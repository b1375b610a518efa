import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { type ModelPricing, ModelPricingSchema, type ModelSchema } from "../../gen/llmgw/v1/models_pb.js";
import type { ModelFacts } from "../routing/model-facts.ts";

/** The Model fields that carry a model's facts; unknown facts keep their proto defaults (0, empty, false, unset). */
export function modelFactsProto(
  facts: ModelFacts,
): Pick<
  MessageInitShape<typeof ModelSchema>,
  | "contextWindow"
  | "inputModalities"
  | "supportsTools"
  | "supportsJsonMode"
  | "supportsEmbeddings"
  | "pricing"
> {
  return {
    contextWindow: facts.contextWindow ?? 0,
    inputModalities: [...(facts.inputModalities ?? [])],
    supportsTools: facts.supportsTools ?? false,
    supportsJsonMode: facts.supportsJsonMode ?? false,
    supportsEmbeddings: facts.supportsEmbeddings ?? false,
    ...(facts.pricing === undefined ? {} : { pricing: pricingProto(facts.pricing) }),
  };
}

function pricingProto(price: NonNullable<ModelFacts["pricing"]>): ModelPricing {
  return create(ModelPricingSchema, {
    inputPerMtok: price.input,
    outputPerMtok: price.output,
    ...(price.cached_input === undefined ? {} : { cachedInputPerMtok: price.cached_input }),
    ...(price.cache_write === undefined ? {} : { cacheWritePerMtok: price.cache_write }),
    source: price.source,
  });
}
