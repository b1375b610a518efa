import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CallOptions } from "@connectrpc/connect";
import type { ChatRequestSchema } from "../gen/llmgw/v1/chat_pb.js";
import type { LlmgwClient } from "./client.ts";

/** What the cache helpers need of a client. */
export type CacheClient = Pick<LlmgwClient, "cache">;

/** One kind of cache (exact, semantic) in plain numbers. */
export interface CacheKindFigures {
  readonly kind: "exact" | "semantic";
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses), 0 before any lookup. */
  readonly hitRate: number;
  readonly costSavedUsd: number;
}

/** Which entries `invalidateCache` removes. */
export type CacheTarget =
  | "all"
  | { readonly model: string }
  | { readonly namespace: string }
  | { readonly key: string };

/** What a dry-run lookup found. */
export interface CacheLookup {
  readonly hit: boolean;
  readonly kind: "exact" | "semantic" | "";
  readonly similarity: number;
  /** The entry's key, for `invalidateCache({ key })`. */
  readonly key: string;
  /** Why the request would skip the cache, or "". */
  readonly bypassReason: string;
}

/**
 * The cache's figures by kind, and how many requests bypassed it.
 *
 * @example
 * const { kinds } = await getCacheStats(llmgw);
 * for (const k of kinds) console.log(k.kind, `${(k.hitRate * 100).toFixed(1)} %`, `$${k.costSavedUsd} saved`);
 */
export async function getCacheStats(
  client: CacheClient,
  call?: CallOptions,
): Promise<{ kinds: CacheKindFigures[]; bypasses: number }> {
  const stats = await client.cache.getCacheStats({}, call);
  return {
    bypasses: Number(stats.bypasses),
    kinds: stats.kinds.map((k) => ({
      kind: k.kind as CacheKindFigures["kind"],
      entries: Number(k.entries),
      bytes: Number(k.bytes),
      hits: Number(k.hits),
      misses: Number(k.misses),
      hitRate: k.hitRate,
      costSavedUsd: k.costSavedUsd,
    })),
  };
}

/**
 * Removes cache entries, on every replica: all of them, a model's, a
 * namespace's (`global`, `key:<name>`, `team:<team>`) or one by its key.
 * Returns how many went. Admin keys only.
 *
 * @example
 * await invalidateCache(llmgw, { model: "gpt-4o" });
 */
export async function invalidateCache(
  client: CacheClient,
  target: CacheTarget,
  call?: CallOptions,
): Promise<number> {
  const oneof =
    target === "all"
      ? ({ case: "all", value: true } as const)
      : "model" in target
        ? ({ case: "model", value: target.model } as const)
        : "namespace" in target
          ? ({ case: "namespace", value: target.namespace } as const)
          : ({ case: "key", value: target.key } as const);
  const { removed } = await client.cache.invalidateCache({ target: oneof }, call);
  return Number(removed);
}

/**
 * Whether a request would be answered from the cache for the calling key,
 * without calling any upstream.
 *
 * @example
 * const { hit, similarity } = await lookupCache(llmgw, { model: "fast", messages: [userMessage("Hi")] });
 */
export async function lookupCache(
  client: CacheClient,
  request: MessageInitShape<typeof ChatRequestSchema>,
  call?: CallOptions,
): Promise<CacheLookup> {
  const found = await client.cache.lookupCache({ request }, call);
  return {
    hit: found.hit,
    kind: found.kind as CacheLookup["kind"],
    similarity: found.similarity,
    key: found.key,
    bypassReason: found.bypassReason,
  };
}
