import type { UnitVector } from "./unit-vector.ts";

/**
 * The semantic cache's index: unit vectors of cached requests, each pointing
 * at the cache entry (a CacheStore key) that answers it. Embedded it is an
 * in-memory index; distributed, the vectors live in Redis and every
 * replica's local index follows a Redis stream. Vectors are dense (an
 * embedding model's) or sparse (the local embedder's); one partition holds
 * vectors of one space only.
 */

/** One indexed request. */
export interface VectorEntry {
  /** The CacheStore key of the answer. */
  readonly key: string;
  /**
   * What must match exactly beside the vector: a hash of the namespace, the
   * model, the system prompt, the tools and `response_format`. Only entries
   * of the same partition are compared.
   */
  readonly partition: string;
  /** The cache namespace (a key's or team's name, or "" for the global one), for invalidation. */
  readonly namespace: string;
  /** The model (after alias resolution), for invalidation by model. */
  readonly model: string;
  /** Unit length. */
  readonly vector: UnitVector;
  /** Date.now() after which the entry is gone. */
  readonly expiresAt: number;
}

/** The nearest entry found, and how near. */
export interface VectorMatch {
  readonly key: string;
  /** Cosine similarity, 0 to 1. */
  readonly similarity: number;
}

/** Which entries an invalidation removes; an empty filter removes all. */
export interface VectorFilter {
  readonly namespace?: string;
  readonly model?: string;
  readonly key?: string;
}

export interface VectorIndex {
  /**
   * The nearest live entry of the partition whose similarity is at least
   * `threshold` (above 0: an entry that shares nothing with the vector is
   * never a match). A vector of another space than the partition's finds nothing.
   */
  nearest(partition: string, vector: UnitVector, threshold: number): Promise<VectorMatch | undefined>;
  add(entry: VectorEntry): Promise<void>;
  /** Removes the matching entries (on every replica, distributed); resolves to how many. */
  remove(filter: VectorFilter): Promise<number>;
  /** Live entries in the local index. */
  readonly size: number;
  /** Bytes the local index's entries hold: their vectors (and a sparse vector's postings) and keys. */
  readonly bytes: number;
  close(): Promise<void>;
}
