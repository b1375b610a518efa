import type { Logger } from "pino";
import type { CacheConfig } from "../../config/cache-schema.ts";
import type { CacheStore } from "../../state/cache-store.ts";
import { MemoryCacheStore } from "../../state/memory/memory-cache-store.ts";
import { RedisCacheStore } from "../../state/redis/redis-cache-store.ts";
import type { RedisConnection } from "../../state/redis/redis-connection.ts";
import type { CacheMetrics } from "../../telemetry/cache-metrics.ts";
import type { KnownModels } from "../account/metrics-policy.ts";
import { StoreHealth } from "../store-health.ts";
import { CacheControl } from "./cache-control.ts";
import type { CachePolicyDeps } from "./cache-policy.ts";
import { ExactCache } from "./exact-cache.ts";

/** The cache of a running gateway. */
export interface Cache {
  /** The cache policy's deps, but for what a hit passes through (the pipeline adds the rate limits). */
  readonly policy: Omit<CachePolicyDeps, "onHit">;
  readonly rateLimitsOnHit: boolean;
  readonly control: CacheControl;
  /** Whether the store is failing now, for the degraded gauge. */
  readonly degraded: () => boolean;
  readonly store: CacheStore;
}

export interface CacheSetupDeps {
  readonly log: Logger;
  readonly metrics: CacheMetrics;
  readonly known: KnownModels;
  readonly aliases: Readonly<Record<string, string>>;
  /** The shared Redis, when distributed: the cache lives there, else in memory. */
  readonly redis?: RedisConnection | undefined;
  readonly prefix?: string | undefined;
}

const WORDS = { store: "cache store", whenOpen: "calls go upstream uncached" };

/** Builds the exact cache from config; undefined when it is off (the policy is then left out). */
export function startCache(config: CacheConfig | undefined, deps: CacheSetupDeps): Cache | undefined {
  if (config === undefined || !config.exact.enabled) return undefined;
  const caps = { maxEntries: config.exact.max_entries, maxBytes: config.exact.max_bytes };
  const store: CacheStore =
    deps.redis === undefined
      ? new MemoryCacheStore(caps)
      : new RedisCacheStore(deps.redis, { prefix: deps.prefix, ...caps });
  const health = new StoreHealth(deps.log, true, WORDS);
  const exact = new ExactCache(store, config.exact.ttl_s * 1000, health);
  const aliases = deps.aliases;
  const shared = {
    exact,
    metrics: deps.metrics,
    namespace: config.namespace,
    resolveModel: (name: string) => (Object.hasOwn(aliases, name) ? (aliases[name] as string) : name),
    bypassKeys: new Set(config.bypass.keys),
    bypassModels: new Set(config.bypass.models),
  };
  const control = new CacheControl(shared);
  deps.metrics.watch(() => control.sizes());
  return {
    policy: { ...shared, known: deps.known },
    rateLimitsOnHit: config.rate_limits_on_hit,
    control,
    degraded: () => health.degraded,
    store,
  };
}
