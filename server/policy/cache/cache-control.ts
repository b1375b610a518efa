import type { ChatRequest } from "../../../gen/llmgw/v1/chat_pb.js";
import type { KeyInfo } from "../../core/call.ts";
import type { CacheStoreStats, CacheTarget } from "../../state/cache-store.ts";
import type { CacheKind, CacheMetrics, CacheTotals } from "../../telemetry/cache-metrics.ts";
import { type CacheNamespaceMode, cacheNamespace, cacheTag, requestCacheKey } from "./cache-key.ts";
import type { ExactCache } from "./exact-cache.ts";

/** What InvalidateCache names, as the caller spells it. */
export type InvalidateTarget =
  | { readonly kind: "all" }
  | { readonly kind: "model"; readonly model: string }
  | { readonly kind: "namespace"; readonly namespace: string }
  | { readonly kind: "key"; readonly key: string };

/** One kind's figures for GetCacheStats. */
export interface CacheKindReport extends CacheTotals, CacheStoreStats {
  readonly kind: CacheKind;
}

/** What a dry-run lookup found. */
export interface LookupResult {
  readonly hit: boolean;
  readonly similarity: number;
  readonly key: string;
  /** Why the request would skip the cache, or "". */
  readonly bypassReason: string;
}

export interface CacheControlDeps {
  readonly exact: ExactCache;
  readonly metrics: CacheMetrics;
  readonly namespace: CacheNamespaceMode;
  readonly resolveModel: (name: string) => string;
  readonly bypassKeys: ReadonlySet<string>;
  readonly bypassModels: ReadonlySet<string>;
}

/**
 * What CacheService reads and does: the figures, invalidation (on the shared
 * store, so every replica sees it at once) and the dry-run lookup, which
 * computes the key exactly as the cache policy does.
 */
export class CacheControl {
  readonly #deps: CacheControlDeps;

  constructor(deps: CacheControlDeps) {
    this.#deps = deps;
  }

  async stats(): Promise<{ kinds: CacheKindReport[]; bypasses: number }> {
    const { exact, metrics } = this.#deps;
    const sizes = await exact.store.stats();
    return { kinds: [{ kind: "exact", ...sizes, ...metrics.totals("exact") }], bypasses: metrics.bypasses };
  }

  /** Store sizes per kind, for the metrics' gauges. */
  async sizes(): Promise<Partial<Record<CacheKind, CacheStoreStats>>> {
    return { exact: await this.#deps.exact.store.stats() };
  }

  invalidate(target: InvalidateTarget): Promise<number> {
    return this.#deps.exact.store.invalidate(storeTarget(target, this.#deps.resolveModel));
  }

  async lookup(request: ChatRequest, caller: KeyInfo): Promise<LookupResult> {
    const { bypassKeys, bypassModels, resolveModel } = this.#deps;
    const model = resolveModel(request.model);
    const key = requestCacheKey(request, model, cacheNamespace(this.#deps.namespace, caller));
    const bypassReason = bypassKeys.has(caller.name)
      ? `the cache is off for key "${caller.name}"`
      : bypassModels.has(request.model) || bypassModels.has(model)
        ? `the cache is off for model "${request.model}"`
        : "";
    if (bypassReason !== "") return { hit: false, similarity: 0, key, bypassReason };
    const hit = (await this.#deps.exact.store.get(key)) !== undefined;
    return { hit, similarity: hit ? 1 : 0, key, bypassReason };
  }
}

function storeTarget(target: InvalidateTarget, resolveModel: (name: string) => string): CacheTarget {
  switch (target.kind) {
    case "all":
      return target;
    case "key":
      return target;
    case "model":
      return { kind: "model", tag: cacheTag(resolveModel(target.model)) };
    case "namespace":
      return { kind: "namespace", tag: cacheTag(target.namespace) };
  }
}
