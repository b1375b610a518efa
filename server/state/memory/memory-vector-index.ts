import { postedValues, SparseVector, type UnitVector, vectorBytes } from "../unit-vector.ts";
import type { VectorEntry, VectorFilter, VectorIndex, VectorMatch } from "../vector-index.ts";
import { SparseVectorPartition } from "./sparse-vector-partition.ts";
import { VectorPartition } from "./vector-partition.ts";

export interface MemoryVectorIndexOptions {
  /**
   * A partition of dense vectors with more entries than this is searched
   * through an HNSW graph (usearch) instead of by brute force. Default
   * 1,000: past about that, brute force over 512 dimensions takes longer
   * than the graph (bench/results/2026-12-01-cache-index.md). Sparse vectors
   * are always searched through their exact inverted index.
   */
  readonly bruteForceMax?: number;
  /**
   * The most entries in all; adding one more drops the oldest added. Default 10,000: past that an
   * HNSW insertion costs milliseconds (bench/results/2026-12-01-cache-index.md).
   */
  readonly maxEntries?: number;
  /** Date.now unless a test injects a clock. */
  readonly now?: () => number;
}

/** Expired entries are skipped at once, and swept out at most this often. */
const SWEEP_EVERY_MS = 1_000;

/** One entry's place in its partition. */
interface Slot {
  readonly entry: VectorEntry;
}

/** A partition's vectors, dense (vector-partition.ts) or sparse (sparse-vector-partition.ts). */
interface Partition {
  readonly count: number;
  add(entry: VectorEntry, id: bigint): Slot;
  remove(slot: Slot): void;
  nearest(vector: UnitVector, threshold: number, now: number): VectorMatch | undefined;
}

/** Where one key's entry is. */
interface Placed {
  readonly partition: Partition;
  readonly name: string;
  readonly slot: Slot;
}

/**
 * The embedded semantic index: unit vectors in memory, one partition per
 * partition hash, so a lookup compares only requests that may share an
 * answer. A partition holds vectors of the space of its first: sparse ones
 * in an inverted index (sparse-vector-partition.ts), dense ones by brute
 * force and then an HNSW graph (vector-partition.ts). An entry whose `expiresAt` has passed
 * is never found, and is swept out at the next add, lookup or size after it
 * expired (at most once a second); an entry added already expired is not
 * kept. Adding a key again replaces its entry (adding the very same entry
 * again changes nothing). Past `maxEntries` the entry
 * added longest ago goes first.
 */
export class MemoryVectorIndex implements VectorIndex {
  readonly #partitions = new Map<string, Partition>();
  /** Every entry by key, oldest added first (a Map keeps insertion order). */
  readonly #entries = new Map<string, Placed>();
  readonly #bruteForceMax: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  #nextId = 1n;
  /** What the entries hold (see entryBytes). */
  #bytes = 0;
  /** The soonest `expiresAt` of any entry, and the earliest time the next sweep may run. */
  #soonestExpiry = Number.POSITIVE_INFINITY;
  #nextSweep = 0;

  constructor(options: MemoryVectorIndexOptions = {}) {
    this.#bruteForceMax = options.bruteForceMax ?? 1_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    this.#sweepIfDue(this.#now());
    return this.#entries.size;
  }

  get bytes(): number {
    this.#sweepIfDue(this.#now());
    return this.#bytes;
  }

  nearest(partition: string, vector: UnitVector, threshold: number): Promise<VectorMatch | undefined> {
    const now = this.#now();
    this.#sweepIfDue(now);
    return Promise.resolve(this.#partitions.get(partition)?.nearest(vector, threshold, now));
  }

  add(entry: VectorEntry): Promise<void> {
    try {
      this.put(entry);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `add` without the promise, for the Redis index's follower. */
  put(entry: VectorEntry): void {
    const now = this.#now();
    this.#sweepIfDue(now);
    // The Redis index hears its own additions again from the stream: the same entry changes nothing
    // (re-adding it would leave a tombstone in an HNSW graph each time).
    const held = this.#entries.get(entry.key)?.slot.entry;
    if (held !== undefined && sameEntry(held, entry)) return;
    this.delete(entry.key);
    if (entry.expiresAt <= now) return;
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
    }
    let partition = this.#partitions.get(entry.partition);
    if (partition === undefined) {
      const vector = entry.vector;
      partition =
        vector instanceof SparseVector
          ? new SparseVectorPartition(vector.dimensions)
          : new VectorPartition(vector.length, this.#bruteForceMax);
      this.#partitions.set(entry.partition, partition);
    }
    const slot = partition.add(entry, this.#nextId++);
    this.#entries.set(entry.key, { partition, name: entry.partition, slot });
    this.#bytes += entryBytes(entry);
    if (entry.expiresAt < this.#soonestExpiry) this.#soonestExpiry = entry.expiresAt;
  }

  remove(filter: VectorFilter): Promise<number> {
    return Promise.resolve(this.removeMatching(filter));
  }

  /** `remove` without the promise: how many entries matched. */
  removeMatching(filter: VectorFilter): number {
    if (filter.key !== undefined) {
      const placed = this.#entries.get(filter.key);
      return placed !== undefined && matches(placed.slot.entry, filter) && this.delete(filter.key) ? 1 : 0;
    }
    if (filter.namespace === undefined && filter.model === undefined) {
      const count = this.#entries.size;
      this.clear();
      return count;
    }
    let count = 0;
    for (const [key, placed] of this.#entries) {
      if (matches(placed.slot.entry, filter) && this.delete(key)) count++;
    }
    return count;
  }

  /** Every live entry, for a replica that must send or compare what it holds. */
  *entries(): IterableIterator<VectorEntry> {
    const now = this.#now();
    for (const placed of this.#entries.values()) {
      if (placed.slot.entry.expiresAt > now) yield placed.slot.entry;
    }
  }

  /** Removes one key's entry; whether there was one. */
  delete(key: string): boolean {
    const placed = this.#entries.get(key);
    if (placed === undefined) return false;
    this.#entries.delete(key);
    this.#bytes -= entryBytes(placed.slot.entry);
    placed.partition.remove(placed.slot);
    if (placed.partition.count === 0) this.#partitions.delete(placed.name);
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#partitions.clear();
    this.#bytes = 0;
    this.#soonestExpiry = Number.POSITIVE_INFINITY;
  }

  close(): Promise<void> {
    this.clear();
    return Promise.resolve();
  }

  #sweepIfDue(now: number): void {
    if (now < this.#soonestExpiry || now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    let soonest = Number.POSITIVE_INFINITY;
    for (const [key, placed] of this.#entries) {
      const expiresAt = placed.slot.entry.expiresAt;
      if (expiresAt <= now) this.delete(key);
      else if (expiresAt < soonest) soonest = expiresAt;
    }
    this.#soonestExpiry = soonest;
  }
}

/**
 * What an entry holds: its vector (a sparse one's posted values also as
 * postings, a ref and a value of 8 bytes each) and its key's UTF-16 characters.
 */
function entryBytes(entry: VectorEntry): number {
  const vector = entry.vector;
  const postings = vector instanceof SparseVector ? 16 * postedValues(vector) : 0;
  return vectorBytes(vector) + postings + 2 * entry.key.length;
}

function sameEntry(a: VectorEntry, b: VectorEntry): boolean {
  if (a === b) return true;
  if (a.partition !== b.partition || a.expiresAt !== b.expiresAt || a.namespace !== b.namespace) return false;
  return a.model === b.model && sameVector(a.vector, b.vector);
}

function sameVector(a: UnitVector, b: UnitVector): boolean {
  if (a instanceof SparseVector) {
    return (
      b instanceof SparseVector &&
      a.dimensions === b.dimensions &&
      sameValues(a.indices, b.indices) &&
      sameValues(a.values, b.values)
    );
  }
  return !(b instanceof SparseVector) && sameValues(a, b);
}

function sameValues(a: Float32Array | Uint32Array, b: Float32Array | Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether an entry is one a filter names (every field it sets must match). */
export function matches(entry: VectorEntry, filter: VectorFilter): boolean {
  return (
    (filter.key === undefined || entry.key === filter.key) &&
    (filter.namespace === undefined || entry.namespace === filter.namespace) &&
    (filter.model === undefined || entry.model === filter.model)
  );
}
