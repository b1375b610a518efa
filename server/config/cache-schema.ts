import { z } from "zod";

/**
 * The `cache` section of the config file: the exact and semantic response
 * caches (docs/caching.md). Absent, there is no cache policy at all. The
 * store follows the deployment: memory when embedded, the shared Redis when
 * `redis` is configured.
 *
 * ```yaml
 * cache:
 *   exact: { ttl_s: 3600, max_entries: 10000 }
 *   semantic: { enabled: true, threshold: 0.95, models: { gpt-4o: 0.97 } }
 *   namespace: team            # global | key | team
 *   bypass: { keys: [batch], models: [gpt-4o-realtime] }
 * ```
 */

const exact = z
  .object({
    enabled: z.boolean().default(true),
    ttl_s: z.number().int().positive().default(3600).describe("how long an entry lives, in seconds"),
    max_entries: z.number().int().positive().default(10_000).describe("the most entries the store keeps"),
    max_bytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024)
      .describe(
        "the most bytes the entries may take (memory store: exact; Redis: as counted by the gateway)",
      ),
  })
  .strict();

const threshold = z.number().gt(0).max(1);

const semantic = z
  .object({
    enabled: z.boolean().default(false),
    threshold: threshold.default(0.95).describe("the least cosine similarity that counts as a hit"),
    models: z
      .record(z.string().min(1), threshold)
      .default({})
      .describe("a threshold per model (as callers name it), in place of `threshold`"),
    embedder: z
      .string()
      .min(1)
      .default("local")
      .describe("`local` (built-in feature hashing, no download), or an embedding model name"),
    input: z
      .enum(["last_user", "conversation"])
      .default("last_user")
      .describe("what is embedded: the last user message, or the whole conversation"),
    allow_sampling: z
      .union([z.boolean(), z.array(z.string().min(1))])
      .default(false)
      .describe(
        "serve requests that sample (temperature above 0, or unset) from the semantic cache: true, or the models (routes) that may",
      ),
    brute_force_limit: z
      .number()
      .int()
      .positive()
      .default(1_000)
      .describe("entries per partition searched exhaustively; beyond, an HNSW graph (approximate)"),
  })
  .strict();

export const cacheSchema = z
  .object({
    exact: exact.prefault({}),
    semantic: semantic.prefault({}),
    namespace: z
      .enum(["global", "key", "team"])
      .default("global")
      .describe("who shares entries: everyone, each key, or each team (a key without a team: itself)"),
    rate_limits_on_hit: z
      .boolean()
      .default(true)
      .describe("a cached answer still counts against rate limits (budgets are never charged for one)"),
    bypass: z
      .object({
        keys: z.array(z.string().min(1)).default([]).describe("keys whose calls never use the cache"),
        models: z
          .array(z.string().min(1))
          .default([])
          .describe("models (as callers name them) whose calls never use the cache"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type CacheConfig = z.infer<typeof cacheSchema>;

/** Whether any cache is on: with none, the cache policy is left out of the chain. */
export function cacheOn(config: CacheConfig | undefined): config is CacheConfig {
  return config !== undefined && (config.exact.enabled || config.semantic.enabled);
}
