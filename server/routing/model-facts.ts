import type { ModelPricing } from "../config/schema.ts";
import type { UpstreamModelFacts } from "../providers/adapter.ts";

/** A price with where it came from: "config", or "builtin:<date>" for the built-in table. */
export interface PriceSheet extends ModelPricing {
  readonly source: string;
}

/** What the catalogue knows about a model; a field is absent when nobody says. */
export interface ModelFacts extends UpstreamModelFacts {
  readonly pricing?: PriceSheet;
}

/** A configured model entry, as the config schema parses it. */
export interface ConfiguredModel {
  readonly pricing?: ModelPricing | undefined;
  readonly context_window?: number | undefined;
  readonly input_modalities?: string[] | undefined;
  readonly supports_tools?: boolean | undefined;
  readonly supports_json_mode?: boolean | undefined;
  readonly supports_embeddings?: boolean | undefined;
}

/** The facts a config entry states, in the catalogue's shape, so they can be merged with the others. */
export function factsFromConfig(entry: ConfiguredModel): ModelFacts {
  return definedOnly({
    contextWindow: entry.context_window,
    inputModalities: entry.input_modalities,
    supportsTools: entry.supports_tools,
    supportsJsonMode: entry.supports_json_mode,
    supportsEmbeddings: entry.supports_embeddings,
    pricing: entry.pricing === undefined ? undefined : { ...entry.pricing, source: "config" },
  });
}

const KEYS = [
  "contextWindow",
  "inputModalities",
  "supportsTools",
  "supportsJsonMode",
  "supportsEmbeddings",
  "pricing",
] as const satisfies ReadonlyArray<keyof ModelFacts>;

/**
 * Merges fact layers, highest precedence first (config, then discovery, then
 * the built-in table): each field comes from the first layer that states it.
 * A price is taken whole, never mixed field by field across layers.
 */
export function mergeFacts(...layers: ReadonlyArray<ModelFacts | undefined>): ModelFacts {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) {
    for (const layer of layers) {
      const value = layer?.[key];
      if (value !== undefined) {
        out[key] = value;
        break;
      }
    }
  }
  return out as ModelFacts;
}

function definedOnly(facts: Record<keyof ModelFacts, unknown>): ModelFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as ModelFacts;
}
