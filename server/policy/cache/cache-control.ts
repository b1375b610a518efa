import type { ChatRequest } from "../../../gen/llmgw/v1/chat_pb.js";
import type { KeyInfo } from "../../core/call.ts";
import type { CacheStoreStats, CacheTarget } from "../../state/cache-store.ts";
import type { VectorFilter } from "../../state/vector-index.ts";
import type { CacheKind, CacheTotals } from "../../telemetry/cache-metrics.ts";
import { cacheNamespace, cacheTag, requestCacheKey } from "./cache-key.ts";
import type { CacheDeps } from "./cache-policy.ts";

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
  readonly kind: CacheKind | "";
  readonly similarity: number;
  readonly key: string;
  /** Why the request would skip the cache, or "". */
  readonly bypassReason: string;
}

/**
 * What CacheService reads and does: the figures, invalidation (on the shared
 * store, so every replica sees it at once) and the dry-run lookup, which
 * computes the key exactly as the cache policy does.
 */
export class CacheControl {
  readonly #deps: CacheDeps;

  constructor(deps: CacheDeps) {
    this.#deps = deps;
  }

  async stats(): Promise<{ kinds: CacheKindReport[]; bypasses: number }> {
    const { exact, semantic, metrics } = this.#deps;
    const sizes = await exact.store.stats();
    const kinds: CacheKindReport[] = [{ kind: "exact", ...sizes, ...metrics.totals("exact") }];
    // The semantic cache's answers are the exact store's entries: its own size is the index's.
    if (semantic !== undefined)
      kinds.push({
        kind: "semantic",
        entries: semantic.index.size,
        bytes: semantic.index.bytes,
        ...metrics.totals("semantic"),
      });
    return { kinds, bypasses: metrics.bypasses };
  }

  /** Store sizes per kind, for the metrics' gauges. */
  async sizes(): Promise<Partial<Record<CacheKind, CacheStoreStats>>> {
    const semantic = this.#deps.semantic;
    const exact = await this.#deps.exact.store.stats();
    return semantic === undefined
      ? { exact }
      : { exact, semantic: { entries: semantic.index.size, bytes: semantic.index.bytes } };
  }

  /** Removes answers from the store and, with the semantic cache on, their index entries (every replica's). */
  async invalidate(target: InvalidateTarget): Promise<number> {
    const { exact, semantic, resolveModel } = this.#deps;
    const removed = await exact.store.invalidate(storeTarget(target, resolveModel));
    if (semantic !== undefined) await semantic.remove(vectorFilter(target, resolveModel));
    return removed;
  }

  /** A dry run of the cache policy's lookups for `caller`: exact, then semantic. */
  async lookup(request: ChatRequest, caller: KeyInfo, signal: AbortSignal): Promise<LookupResult> {
    const { bypassKeys, bypassModels, resolveModel, semantic, exact } = this.#deps;
    const model = resolveModel(request.model);
    const namespace = cacheNamespace(this.#deps.namespace, caller);
    const key = requestCacheKey(request, model, namespace);
    const bypassReason = bypassKeys.has(caller.name)
      ? `the cache is off for key "${caller.name}"`
      : bypassModels.has(request.model) || bypassModels.has(model)
        ? `the cache is off for model "${request.model}"`
        : "";
    if (bypassReason !== "") return { hit: false, kind: "", similarity: 0, key, bypassReason };
    if ((await exact.get(key)) !== undefined)
      return { hit: true, kind: "exact", similarity: 1, key, bypassReason };
    const probe = semantic?.probe(request, request.model, model, namespace);
    const match = probe === undefined ? undefined : await semantic?.nearest(probe, signal);
    if (match !== undefined && (await exact.get(match.key)) !== undefined)
      return { hit: true, kind: "semantic", similarity: match.similarity, key: match.key, bypassReason };
    return { hit: false, kind: "", similarity: 0, key, bypassReason };
  }
}

function vectorFilter(target: InvalidateTarget, resolveModel: (name: string) => string): VectorFilter {
  switch (target.kind) {
    case "all":
      return {};
    case "key":
      return { key: target.key };
    case "model":
      return { model: resolveModel(target.model) };
    case "namespace":
      return { namespace: target.namespace };
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
