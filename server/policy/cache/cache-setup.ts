import type { Logger } from "pino";
import type { CacheConfig } from "../../config/cache-schema.ts";
import type { CacheStore } from "../../state/cache-store.ts";
import { MemoryCacheStore } from "../../state/memory/memory-cache-store.ts";
import { MemoryVectorIndex } from "../../state/memory/memory-vector-index.ts";
import { RedisCacheStore } from "../../state/redis/redis-cache-store.ts";
import type { RedisConnection } from "../../state/redis/redis-connection.ts";
import { RedisVectorIndex } from "../../state/redis/redis-vector-index.ts";
import type { VectorIndex } from "../../state/vector-index.ts";
import type { CacheMetrics } from "../../telemetry/cache-metrics.ts";
import type { KnownModels } from "../account/metrics-policy.ts";
import { StoreHealth } from "../store-health.ts";
import { CacheControl } from "./cache-control.ts";
import type { CachePolicyDeps } from "./cache-policy.ts";
import { ExactCache } from "./exact-cache.ts";
import type { Embedder } from "./semantic/embedder.ts";
import { LocalEmbedder } from "./semantic/local-embedder.ts";
import { type EmbedRunner, ProviderEmbedder } from "./semantic/provider-embedder.ts";
import { SemanticCache } from "./semantic-cache.ts";

/** The cache of a running gateway. */
export interface Cache {
  /** The cache policy's deps, but for what a hit passes through (the pipeline adds the rate limits). */
  readonly policy: Omit<CachePolicyDeps, "onHit">;
  readonly rateLimitsOnHit: boolean;
  readonly control: CacheControl;
  /** Whether a store (answers, or the semantic index) is failing now, for the degraded gauge. */
  readonly degraded: () => boolean;
  /** Closes the semantic index's follower (the stores' connection is its opener's). */
  close(): Promise<void>;
}

export interface CacheSetupDeps {
  readonly log: Logger;
  readonly metrics: CacheMetrics;
  readonly known: KnownModels;
  readonly aliases: Readonly<Record<string, string>>;
  /** The shared Redis, when distributed: the cache lives there, else in memory. */
  readonly redis?: RedisConnection | undefined;
  readonly prefix?: string | undefined;
  /** Runs an embeddings request through the gateway's routing, for an embedder that names a model. */
  readonly embed: EmbedRunner;
}

const WORDS = { store: "cache store", whenOpen: "calls go upstream uncached" };
const SEMANTIC_WORDS = {
  store: "semantic cache (embedder or index)",
  whenOpen: "calls miss the semantic cache",
};

/**
 * Builds the cache from config: the answers' store (memory, or the shared
 * Redis), and with `semantic.enabled` its embedder and vector index.
 * Undefined when both caches are off, so the policy is left out.
 */
export async function startCache(
  config: CacheConfig | undefined,
  deps: CacheSetupDeps,
): Promise<Cache | undefined> {
  if (config === undefined || (!config.exact.enabled && !config.semantic.enabled)) return undefined;
  const caps = { maxEntries: config.exact.max_entries, maxBytes: config.exact.max_bytes };
  const store: CacheStore =
    deps.redis === undefined
      ? new MemoryCacheStore(caps)
      : new RedisCacheStore(deps.redis, { prefix: deps.prefix, ...caps });
  const health = new StoreHealth(deps.log, true, WORDS);
  const ttlMs = config.exact.ttl_s * 1000;
  const exact = new ExactCache(store, ttlMs, health);
  const semanticHealth = new StoreHealth(deps.log, true, SEMANTIC_WORDS);
  let indexDown = false;
  const semantic = config.semantic.enabled
    ? new SemanticCache({
        embedder: embedderFor(config.semantic.embedder, deps.embed),
        index: await vectorIndex(config, deps, (down) => {
          indexDown = down;
        }),
        scope: config.semantic.input === "conversation" ? "conversation" : "last_user_message",
        threshold: config.semantic.threshold,
        thresholds: config.semantic.models,
        allowSampling:
          typeof config.semantic.allow_sampling === "boolean"
            ? config.semantic.allow_sampling
            : new Set(config.semantic.allow_sampling),
        ttlMs,
        health: semanticHealth,
      })
    : undefined;
  const aliases = deps.aliases;
  const shared = {
    exact,
    semantic,
    metrics: deps.metrics,
    namespace: config.namespace,
    resolveModel: (name: string) => (Object.hasOwn(aliases, name) ? (aliases[name] as string) : name),
    bypassKeys: new Set(config.bypass.keys),
    bypassModels: new Set(config.bypass.models),
  };
  const control = new CacheControl(shared);
  deps.metrics.watch(() => control.sizes());
  return {
    policy: { ...shared, exactLookups: config.exact.enabled, known: deps.known },
    rateLimitsOnHit: config.rate_limits_on_hit,
    control,
    degraded: () => health.degraded || semanticHealth.degraded || indexDown,
    close: () => Promise.all([semantic?.index.close(), store.close()]).then(() => undefined),
  };
}

function embedderFor(name: string, embed: EmbedRunner): Embedder {
  return name === "local" ? new LocalEmbedder() : new ProviderEmbedder(name, embed);
}

function vectorIndex(
  config: CacheConfig,
  deps: CacheSetupDeps,
  onDegraded: (degraded: boolean) => void,
): Promise<VectorIndex> {
  const local = { bruteForceMax: config.semantic.brute_force_limit, maxEntries: config.exact.max_entries };
  if (deps.redis === undefined) return Promise.resolve(new MemoryVectorIndex(local));
  return RedisVectorIndex.open(deps.redis, {
    prefix: `${deps.prefix ?? "llmgw:"}semantic:`,
    local,
    onDegraded,
  });
}
