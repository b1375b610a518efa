import type { DeploymentConfig, RoutingConfig } from "../config/routing-schema.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { ProviderAdapter } from "../providers/adapter.ts";
import { adHocDeployment } from "./ad-hoc-deployment.ts";
import type { BreakerSettings, Deployment, DeploymentTimeouts, QueueSettings } from "./deployment.ts";
import { type BreakerFactory, LiveRegistry, type QueueFactory } from "./live-registry.ts";
import type { ModelFacts } from "./model-facts.ts";
import type { ModelRouter } from "./model-router.ts";
import { builtinFacts } from "./price-table.ts";
import type { Strategy } from "./strategies/strategy.ts";
import { strategyFor } from "./strategies/strategy-for.ts";
import { weighted } from "./strategies/weighted.ts";
import { isVirtualModel } from "./virtual/virtual-models.ts";

/** Provider types that run on local hardware: their deployments count as local without a tag. */
const LOCAL_TYPES: ReadonlySet<string> = new Set(["ollama", "vllm", "tgi", "llamacpp", "lmstudio"]);

/** What the table reads from the config: the routing section, the providers' types and the aliases. */
export interface TableConfig {
  readonly routing: RoutingConfig;
  readonly providers: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly aliases: Readonly<Record<string, string>>;
}

/** The catalogue the table builds on. */
export type Catalogue = Pick<ModelRouter, "resolve" | "knows" | "catalog" | "adapters">;

export interface RoutingTableOptions {
  /** Makes a queue for each deployment with `max_concurrency`; none without it. */
  readonly queue?: QueueFactory | undefined;
  /** Makes a breaker for each deployment when `routing.breaker.enabled`; none without it. */
  readonly breaker?: BreakerFactory | undefined;
}

/** The deployments of a fallback model that the chain has not already tried. */
export interface FallbackGroup {
  readonly model: string;
  readonly strategy: Strategy;
  readonly deployments: readonly Deployment[];
}

/** A model the routing config lists, ready for the planner. */
export interface RoutedModel {
  readonly name: string;
  readonly strategy: Strategy;
  /** By priority tier, config order within a tier. */
  readonly deployments: readonly Deployment[];
  /** Fallback models, transitively (the model's own in order, then theirs), each deployment once. */
  readonly fallbacks: readonly FallbackGroup[];
}

/** What the virtual models (auto, fast, cheap, quality) choose from. */
export interface VirtualPool {
  readonly enabled: boolean;
  readonly preferLocalShare: number;
  /** `routing.benchmark_quality`: measured quality replaces the configured one in the scores. */
  readonly benchmarkQuality: boolean;
  /** The pool models' deployments, each once. */
  readonly deployments: readonly Deployment[];
}

interface Built {
  readonly models: ReadonlyMap<string, RoutedModel>;
  readonly all: readonly Deployment[];
  /** Routed deployments' live state by `provider:model`, so a catalogue name cannot bypass their queue. */
  readonly byUpstream: ReadonlyMap<string, Deployment>;
  readonly pool: VirtualPool;
  readonly defaults: DeploymentTimeouts;
  /**
   * Catalogue deployments made so far, by provider then model: only names a
   * provider lists or a routed deployment serves, so it stays bounded.
   */
  readonly adHoc: Map<string, Map<string, Deployment>>;
  /** The live state shared by every unlisted name of a provider. */
  readonly wildcard: Map<string, Deployment["live"]>;
}

/**
 * The routed models and their deployments, built from `config.routing` and
 * the providers. A model name it does not list resolves through the
 * catalogue to one deployment with default settings. `update` swaps in a
 * new routing config whole; live state (statistics, health, queues,
 * breakers) is kept by deployment id across updates. A deployment id that
 * several models list is one deployment to the gateway: they share its live
 * state, made with the first listing's queue settings.
 */
export class RoutingTable {
  readonly #catalogue: Catalogue;
  /** Provider name → type. */
  readonly #types: ReadonlyMap<string, string>;
  /** Configured aliases, which keep their meaning over a virtual model's name. */
  readonly #aliases: Readonly<Record<string, string>>;
  readonly #live: LiveRegistry;
  #routing: RoutingConfig;
  #built: Built;

  constructor(config: TableConfig, catalogue: Catalogue, options: RoutingTableOptions = {}) {
    this.#catalogue = catalogue;
    this.#types = new Map(config.providers.map((p) => [p.name, p.type]));
    this.#aliases = config.aliases;
    this.#live = new LiveRegistry(options.queue, options.breaker);
    this.#routing = config.routing;
    this.#built = this.#build(config.routing);
  }

  /**
   * Replaces the routing config, keeping each deployment's live state by id
   * (a queue or breaker is made again only if its settings changed). The
   * config must have passed the routing schema; a deployment naming no
   * configured provider is refused, and then nothing changes.
   */
  update(routing: RoutingConfig): void {
    const built = this.#build(routing);
    this.#routing = routing;
    this.#built = built;
  }

  /** Rebuilds from the current config, taking up facts discovery has learnt since. */
  refresh(): void {
    this.update(this.#routing);
  }

  current(): RoutingConfig {
    return this.#routing;
  }

  /** Every routed deployment, each once, in config order (for ListDeployments). */
  deployments(): readonly Deployment[] {
    return this.#built.all;
  }

  /** The routed model of that name, if the routing config lists it. */
  model(name: string): RoutedModel | undefined {
    return this.#built.models.get(name);
  }

  get pool(): VirtualPool {
    return this.#built.pool;
  }

  /**
   * Whether a name is served as a virtual model: one of auto, fast, cheap
   * and quality, with virtual models on and a pool to choose from, and not
   * taken by a routed model or an alias of that name.
   */
  isVirtual(name: string): boolean {
    const built = this.#built;
    return (
      built.pool.enabled &&
      built.pool.deployments.length > 0 &&
      isVirtualModel(name) &&
      !built.models.has(name) &&
      !Object.hasOwn(this.#aliases, name)
    );
  }

  /**
   * The catalogue's route for a name the routing config does not list, as
   * a deployment with default settings. Its live state is the routed
   * deployment's when one serves the same `provider:model`; else it is kept
   * per `provider:model` when the provider lists the model, and in one
   * `provider:*` entry otherwise, since callers can invent any name.
   */
  adHoc(name: string): Deployment {
    const route = this.#catalogue.resolve(name);
    const built = this.#built;
    // The hot path: a listed name seen before is one lookup, with nothing made.
    const cached = built.adHoc.get(route.provider)?.get(route.model);
    if (cached !== undefined && cached.pricing === route.pricing) return cached;
    const upstream = `${route.provider}:${route.model}`;
    const routed = built.byUpstream.get(upstream);
    if (!this.#catalogue.knows(route.provider, route.model) && routed === undefined) {
      let live = built.wildcard.get(route.provider);
      if (live === undefined) {
        // No breaker: the names sharing this entry have nothing in common but their provider.
        live = this.#live.adHoc(`${route.provider}:*`, undefined);
        built.wildcard.set(route.provider, live);
      }
      return adHocDeployment(route, built.defaults, live);
    }
    const d =
      routed === undefined
        ? // No breaker either: a catalogue name has no deployment to fall back to, so an open circuit
          // would only turn its upstream's trouble into the gateway's own 503s.
          adHocDeployment(route, built.defaults, this.#live.adHoc(upstream, undefined))
        : adHocDeployment(route, routed.timeouts, routed.live);
    let byModel = built.adHoc.get(route.provider);
    if (byModel === undefined) {
      byModel = new Map();
      built.adHoc.set(route.provider, byModel);
    }
    byModel.set(route.model, d);
    return d;
  }

  #build(routing: RoutingConfig): Built {
    const adapters = new Map(this.#catalogue.adapters.map((a) => [a.name, a]));
    for (const model of routing.models)
      for (const d of model.deployments)
        if (!adapters.has(d.provider))
          throw new GatewayError(
            "invalid_request",
            `deployment "${deploymentId(d)}" of model "${model.name}": no provider is named "${d.provider}"; configured providers: ${[...adapters.keys()].join(", ") || "(none)"}`,
            { param: "routing" },
          );

    const facts = new Map(this.#catalogue.catalog().map((e) => [e.id, e.facts]));
    const defaults: DeploymentTimeouts = {
      totalMs: routing.timeouts.total_ms,
      ttftMs: routing.timeouts.ttft_ms,
      unaryFirstByteMs: routing.timeouts.total_ms,
      interTokenMs: routing.timeouts.inter_token_ms,
    };
    const breaker = routing.breaker.enabled ? breakerSettings(routing.breaker) : undefined;

    const all: Deployment[] = [];
    const byId = new Map<string, Deployment>();
    const byUpstream = new Map<string, Deployment>();
    const own = new Map<string, { strategy: Strategy; deployments: Deployment[] }>();
    for (const model of routing.models) {
      const deployments: Deployment[] = [];
      for (const config of model.deployments) {
        const id = deploymentId(config);
        const first = byId.get(id);
        const live = first?.live ?? this.#live.settle(id, queueSettings(config), breaker, true);
        const d = this.#deployment(
          config,
          id,
          adapters.get(config.provider) as ProviderAdapter,
          facts,
          defaults,
          live,
        );
        deployments.push(d);
        if (first === undefined) {
          byId.set(id, d);
          all.push(d);
          const upstream = `${d.provider}:${d.model}`;
          if (!byUpstream.has(upstream)) byUpstream.set(upstream, d);
        }
      }
      // Stable: config order within a tier.
      deployments.sort((a, b) => a.priority - b.priority);
      own.set(model.name, {
        strategy: strategyFor(model.strategy ?? routing.strategy) ?? weighted,
        deployments,
      });
    }
    this.#live.prune(new Set(byId.keys()), () => undefined);

    const models = new Map<string, RoutedModel>();
    for (const model of routing.models) {
      const self = own.get(model.name);
      if (self === undefined) continue;
      models.set(model.name, {
        name: model.name,
        strategy: self.strategy,
        deployments: self.deployments,
        fallbacks: fallbackGroups(model.name, routing, own),
      });
    }

    const poolNames =
      routing.virtual.pool.length > 0 ? routing.virtual.pool : routing.models.map((m) => m.name);
    const seen = new Set<string>();
    const pooled: Deployment[] = [];
    for (const name of poolNames)
      for (const d of own.get(name)?.deployments ?? [])
        if (!seen.has(d.id)) {
          seen.add(d.id);
          pooled.push(d);
        }
    const pool: VirtualPool = {
      enabled: routing.virtual.enabled,
      preferLocalShare: routing.virtual.prefer_local_share,
      benchmarkQuality: routing.benchmark_quality,
      deployments: pooled,
    };
    return { models, all, byUpstream, pool, defaults, adHoc: new Map(), wildcard: new Map() };
  }

  #deployment(
    config: DeploymentConfig,
    id: string,
    adapter: ProviderAdapter,
    catalogue: ReadonlyMap<string, ModelFacts>,
    defaults: DeploymentTimeouts,
    live: Deployment["live"],
  ): Deployment {
    const known = catalogue.get(`${config.provider}:${config.model}`) ?? builtinFacts(config.model) ?? {};
    const facts =
      config.context_window === undefined ? known : { ...known, contextWindow: config.context_window };
    const type = this.#types.get(config.provider) ?? "";
    return {
      adapter,
      provider: config.provider,
      model: config.model,
      pricing: facts.pricing,
      id,
      weight: config.weight,
      priority: config.priority,
      tags: config.tags,
      local: config.tags.includes("local") || LOCAL_TYPES.has(type),
      quality: config.quality,
      facts,
      timeouts: {
        totalMs: config.timeouts.total_ms ?? defaults.totalMs,
        ttftMs: config.timeouts.ttft_ms ?? defaults.ttftMs,
        unaryFirstByteMs: config.timeouts.ttft_ms ?? config.timeouts.total_ms ?? defaults.totalMs,
        interTokenMs: config.timeouts.inter_token_ms ?? defaults.interTokenMs,
      },
      live,
    };
  }
}

/** A deployment's id: its own, else `provider:model`. */
export function deploymentId(config: DeploymentConfig): string {
  return config.id ?? `${config.provider}:${config.model}`;
}

/**
 * A model's fallbacks, breadth first: its own in the order it lists them,
 * then theirs. Each model is visited once (a cycle ends), and a deployment
 * already in the chain (by id) is not repeated.
 */
function fallbackGroups(
  name: string,
  routing: RoutingConfig,
  own: ReadonlyMap<string, { strategy: Strategy; deployments: Deployment[] }>,
): FallbackGroup[] {
  const listed = new Map(routing.models.map((m) => [m.name, m.fallbacks]));
  const visited = new Set([name]);
  const tried = new Set((own.get(name)?.deployments ?? []).map((d) => d.id));
  const queue = [...(listed.get(name) ?? [])];
  const groups: FallbackGroup[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (visited.has(next)) continue;
    visited.add(next);
    const model = own.get(next);
    if (model === undefined) continue;
    const deployments = model.deployments.filter((d) => !tried.has(d.id));
    for (const d of deployments) tried.add(d.id);
    if (deployments.length > 0) groups.push({ model: next, strategy: model.strategy, deployments });
    queue.push(...(listed.get(next) ?? []));
  }
  return groups;
}

function queueSettings(config: DeploymentConfig): QueueSettings | undefined {
  return config.max_concurrency === undefined
    ? undefined
    : {
        maxConcurrency: config.max_concurrency,
        maxQueue: config.max_queue,
        queueTimeoutMs: config.queue_timeout_ms,
      };
}

function breakerSettings(config: RoutingConfig["breaker"]): BreakerSettings {
  return {
    consecutiveFailures: config.consecutive_failures,
    failureRatio: config.failure_ratio,
    ratioWindowMs: config.ratio_window_ms,
    ratioMinRequests: config.ratio_min_requests,
    halfOpenAfterMs: config.half_open_after_ms,
  };
}
