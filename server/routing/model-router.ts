import type { Config } from "../config/schema.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { DiscoveredModel, ProviderAdapter } from "../providers/adapter.ts";
import { factsFromConfig, type ModelFacts, mergeFacts, type PriceSheet } from "./model-facts.ts";
import { builtinFacts } from "./price-table.ts";

/** Where a request goes: which adapter, which upstream model, at what price (config > discovery > built-in). */
export interface Route {
  readonly adapter: ProviderAdapter;
  readonly provider: string;
  readonly model: string;
  readonly pricing: PriceSheet | undefined;
}

/** One entry of the model catalogue. */
export interface CatalogEntry {
  readonly id: string;
  readonly provider: string;
  readonly upstreamModel: string;
  readonly source: "config" | "discovered" | "alias";
  readonly created: number;
  readonly ownedBy: string;
  /** Merged facts: config, then what the upstream's list said, then the built-in table. */
  readonly facts: ModelFacts;
}

/** The model catalogue, as the models routes see it. */
export interface ModelCatalog {
  /** Every model callers can name: configured, discovered, and aliases. Sorted by id. */
  catalog(): CatalogEntry[];
  /** Finds a catalogue entry by id, alias or bare upstream name. */
  find(id: string): CatalogEntry | undefined;
}

interface ProviderModels {
  readonly adapter: ProviderAdapter;
  /** The facts config states for each configured model. */
  readonly configured: Map<string, ModelFacts>;
  discovered: DiscoveredModel[];
  /** Merged facts of every configured or discovered model, rebuilt when discovery reports. */
  known: Map<string, ModelFacts>;
}

/**
 * Resolves the model a caller names into a route:
 * - an alias from config is replaced by its target first;
 * - `provider:model` picks the provider explicitly;
 * - a bare name goes to the first provider that lists it (in config or from
 *   its upstream's model list), and otherwise to the default provider.
 * A `x:y` name whose `x` is no provider and which no provider lists is an
 * unknown provider, and is rejected rather than guessed at.
 */
export class ModelRouter implements ModelCatalog {
  readonly #providers = new Map<string, ProviderModels>();
  readonly #aliases: Record<string, string>;
  readonly #defaultProvider: string | undefined;

  constructor(config: Config, adapters: ReadonlyArray<ProviderAdapter>) {
    for (const adapter of adapters) {
      const providerConfig = config.providers.find((p) => p.name === adapter.name);
      const configured = new Map<string, ModelFacts>();
      for (const entry of providerConfig?.models ?? []) {
        if (typeof entry === "string") configured.set(entry, {});
        else configured.set(entry.id, factsFromConfig(entry));
      }
      const models: ProviderModels = { adapter, configured, discovered: [], known: new Map() };
      models.known = mergedFacts(models);
      this.#providers.set(adapter.name, models);
    }
    this.#aliases = config.aliases;
    this.#defaultProvider = config.default_provider ?? adapters[0]?.name;
  }

  /** The providers' adapters, in config order. */
  get adapters(): ProviderAdapter[] {
    return [...this.#providers.values()].map((p) => p.adapter);
  }

  /** Records what a provider's upstream listed. */
  setDiscovered(provider: string, models: DiscoveredModel[]): void {
    const entry = this.#providers.get(provider);
    if (entry === undefined) return;
    entry.discovered = models;
    entry.known = mergedFacts(entry);
  }

  /**
   * Whether a provider lists a model by name, in config or from discovery.
   * Only such names become metric labels: a caller may name anything.
   */
  knows(provider: string, model: string): boolean {
    return this.#providers.get(provider)?.known.has(model) ?? false;
  }

  resolve(name: string): Route {
    if (name === "")
      throw new GatewayError("invalid_request", "you must provide a model", { param: "model" });
    const target = this.#aliases[name] ?? name;
    const colon = target.indexOf(":");
    if (colon > 0) {
      const provider = this.#providers.get(target.slice(0, colon));
      if (provider !== undefined) return this.#route(provider, target.slice(colon + 1));
    }
    for (const provider of this.#providers.values()) {
      if (provider.known.has(target)) {
        return this.#route(provider, target);
      }
    }
    if (colon > 0) {
      throw new GatewayError(
        "model_not_found",
        `unknown provider "${target.slice(0, colon)}" in model "${name}"; configured providers: ${this.#names()}`,
        { param: "model" },
      );
    }
    const fallback =
      this.#defaultProvider === undefined ? undefined : this.#providers.get(this.#defaultProvider);
    if (fallback === undefined) {
      throw new GatewayError("model_not_found", `no provider serves model "${name}" and none is configured`, {
        param: "model",
      });
    }
    return this.#route(fallback, target);
  }

  /** Every model callers can name: configured, discovered, and aliases. Sorted by id. */
  catalog(): CatalogEntry[] {
    const entries = new Map<string, CatalogEntry>();
    for (const [name, provider] of this.#providers) {
      const facts = (model: string) => provider.known.get(model) ?? {};
      for (const model of provider.configured.keys()) {
        entries.set(`${name}:${model}`, entry(name, model, "config", 0, name, facts(model)));
      }
      for (const model of provider.discovered) {
        const id = `${name}:${model.id}`;
        if (!entries.has(id))
          entries.set(id, entry(name, model.id, "discovered", model.created, model.ownedBy, facts(model.id)));
      }
    }
    for (const [alias, target] of Object.entries(this.#aliases)) {
      try {
        const route = this.resolve(target);
        const facts = this.#facts(route.provider, route.model);
        entries.set(alias, entry(route.provider, route.model, "alias", 0, route.provider, facts, alias));
      } catch {
        // An alias to nothing is reported at start-up; it is simply not listed.
      }
    }
    return [...entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Finds a catalogue entry by id, alias or bare upstream name. */
  find(id: string): CatalogEntry | undefined {
    const all = this.catalog();
    return all.find((m) => m.id === id) ?? all.find((m) => m.upstreamModel === id && m.source !== "alias");
  }

  #route(provider: ProviderModels, model: string): Route {
    if (model === "") {
      throw new GatewayError(
        "invalid_request",
        `model name is empty after provider "${provider.adapter.name}:"`,
        {
          param: "model",
        },
      );
    }
    return {
      adapter: provider.adapter,
      provider: provider.adapter.name,
      model,
      pricing: (provider.known.get(model) ?? builtinFacts(model))?.pricing,
    };
  }

  #facts(provider: string, model: string): ModelFacts {
    return this.#providers.get(provider)?.known.get(model) ?? builtinFacts(model) ?? {};
  }

  #names(): string {
    return [...this.#providers.keys()].join(", ") || "(none)";
  }
}

function entry(
  provider: string,
  upstreamModel: string,
  source: CatalogEntry["source"],
  created: number,
  ownedBy: string,
  facts: ModelFacts,
  id = `${provider}:${upstreamModel}`,
): CatalogEntry {
  return { id, provider, upstreamModel, source, created, ownedBy, facts };
}

/** Config facts over discovered facts over the built-in table, for every model a provider knows by name. */
function mergedFacts(provider: ProviderModels): Map<string, ModelFacts> {
  const discovered = new Map(provider.discovered.map((m) => [m.id, m.facts]));
  const known = new Map<string, ModelFacts>();
  for (const model of new Set([...provider.configured.keys(), ...discovered.keys()])) {
    known.set(model, mergeFacts(provider.configured.get(model), discovered.get(model), builtinFacts(model)));
  }
  return known;
}
