import { exactSearch, Index, type Matches, MetricKind, ScalarKind } from "usearch";
import { GatewayError } from "../../errors/gateway-error.ts";
import { dotAt, SparseVector, spaceName, type UnitVector } from "../unit-vector.ts";
import type { VectorEntry, VectorMatch } from "../vector-index.ts";

/** One entry's place in its partition. */
export interface PartitionSlot {
  readonly entry: VectorEntry;
  /** Its row in the partition's matrix; moves when a row before the end is removed. */
  row: number;
  /** Its key in the HNSW graph. */
  readonly id: bigint;
}

/** How many neighbours a native search asks for, so that a few expired ones before a live one do not hide it. */
const CANDIDATES = 8;
/** How many of the graph's candidates are re-scored on the float32 rows (each a 512-term dot product). */
const RESCORED = 16;
/** Up to this many rows a loop in JavaScript beats a call into usearch's SIMD brute force. */
const JS_LOOP_MAX = 64;

/**
 * The dense vectors of one partition (an embedding model's), all of one
 * size: a matrix of rows searched by brute force while the partition is
 * small (a dot product per row, in JavaScript for a few rows and through
 * usearch's SIMD `exactSearch` past that), and beside it, once it has grown
 * past `bruteForceMax`, usearch's HNSW graph (8-bit copies of the vectors;
 * its candidates are re-scored on the float32 rows), which finds the nearest
 * in about logarithmic time at the price of sometimes missing it. The graph
 * stays until the partition is empty. (Sparse vectors, the local
 * embedder's, go to a SparseVectorPartition instead.)
 */
export class VectorPartition {
  readonly dimensions: number;
  #rows: Float32Array;
  #expiresAt: Float64Array;
  #slots: PartitionSlot[] = [];
  #graph: Index | undefined;
  readonly #byId = new Map<bigint, PartitionSlot>();
  readonly #bruteForceMax: number;

  constructor(dimensions: number, bruteForceMax: number) {
    this.dimensions = dimensions;
    this.#bruteForceMax = bruteForceMax;
    this.#rows = new Float32Array(dimensions * 16);
    this.#expiresAt = new Float64Array(16);
  }

  get count(): number {
    return this.#slots.length;
  }

  /** Whether the partition is searched through the HNSW graph. */
  get approximate(): boolean {
    return this.#graph !== undefined;
  }

  add(entry: VectorEntry, id: bigint): PartitionSlot {
    const vector = entry.vector;
    if (vector instanceof SparseVector || vector.length !== this.dimensions) {
      throw new GatewayError(
        "internal",
        `a ${spaceName(vector)} vector cannot join a partition of ${this.dimensions}-dimension ones`,
      );
    }
    const row = this.#slots.length;
    if (row === this.#expiresAt.length) this.#grow();
    this.#rows.set(vector, row * this.dimensions);
    this.#expiresAt[row] = entry.expiresAt;
    const slot: PartitionSlot = { entry, row, id };
    this.#slots.push(slot);
    this.#byId.set(id, slot);
    if (this.#graph !== undefined) this.#graph.add(id, vector, 1);
    else if (this.#slots.length > this.#bruteForceMax) this.#buildGraph();
    return slot;
  }

  /** Removes a slot: the last row moves into its place. */
  remove(slot: PartitionSlot): void {
    const last = this.#slots.pop() as PartitionSlot;
    this.#byId.delete(slot.id);
    this.#graph?.remove(slot.id);
    if (last !== slot) {
      const row = slot.row;
      this.#rows.copyWithin(
        row * this.dimensions,
        last.row * this.dimensions,
        (last.row + 1) * this.dimensions,
      );
      this.#expiresAt[row] = this.#expiresAt[last.row] as number;
      last.row = row;
      this.#slots[row] = last;
    }
    if (this.#slots.length === 0) this.#graph = undefined;
  }

  /** The nearest entry not expired at `now` whose similarity is at least `threshold`. */
  nearest(vector: UnitVector, threshold: number, now: number): VectorMatch | undefined {
    if (vector instanceof SparseVector || vector.length !== this.dimensions) return undefined;
    return this.#graph === undefined
      ? this.#bruteForce(vector, threshold, now)
      : this.#approximate(this.#graph, vector, threshold, now);
  }

  #bruteForce(vector: Float32Array, threshold: number, now: number): VectorMatch | undefined {
    const count = this.#slots.length;
    if (count > JS_LOOP_MAX) {
      const rows = this.#rows.subarray(0, count * this.dimensions);
      const found = exactSearch(rows, vector, this.dimensions, Math.min(CANDIDATES, count), MetricKind.IP, 1);
      return firstLive(found as Matches, (key) => this.#slots[Number(key)], threshold, now);
    }
    const rows = this.#rows;
    const expiresAt = this.#expiresAt;
    const dimensions = this.dimensions;
    let best = -1;
    let bestSimilarity = threshold;
    for (let row = 0; row < count; row++) {
      if ((expiresAt[row] as number) <= now) continue;
      const similarity = dotAt(vector, rows, row * dimensions);
      if (similarity >= bestSimilarity) {
        bestSimilarity = similarity;
        best = row;
      }
    }
    if (best === -1) return undefined;
    return { key: (this.#slots[best] as PartitionSlot).entry.key, similarity: Math.min(bestSimilarity, 1) };
  }

  #approximate(graph: Index, vector: Float32Array, threshold: number, now: number): VectorMatch | undefined {
    // The graph holds 8-bit copies: its candidates are scored again on the float32 rows.
    const found = graph.search(vector, Math.min(RESCORED, this.#slots.length), 1);
    let best: PartitionSlot | undefined;
    let bestSimilarity = threshold;
    for (let i = 0; i < found.keys.length; i++) {
      const slot = this.#byId.get(found.keys[i] as bigint);
      if (slot === undefined || slot.entry.expiresAt <= now) continue;
      const similarity = dotAt(vector, this.#rows, slot.row * this.dimensions);
      if (similarity >= bestSimilarity) {
        bestSimilarity = similarity;
        best = slot;
      }
    }
    return best === undefined ? undefined : { key: best.entry.key, similarity: Math.min(bestSimilarity, 1) };
  }

  #grow(): void {
    const capacity = this.#expiresAt.length * 2;
    const rows = new Float32Array(capacity * this.dimensions);
    rows.set(this.#rows);
    this.#rows = rows;
    const expiresAt = new Float64Array(capacity);
    expiresAt.set(this.#expiresAt);
    this.#expiresAt = expiresAt;
  }

  #buildGraph(): void {
    const graph = new Index({
      dimensions: this.dimensions,
      metric: MetricKind.IP,
      // 8-bit components: a quarter of the memory and much faster distances; candidates are re-scored exactly.
      quantization: ScalarKind.I8,
      // Prompts of one partition are alike (one system prompt, one template): with 16 links a node the
      // graph missed the exact nearest a third of the time on such (memory-vector-index.test.ts); 32
      // found it 95 times in 100 in float32 and 92 in 8 bits, and a wider search bought little more for
      // three times the time.
      connectivity: 32,
      expansion_add: 128,
      expansion_search: 64,
      multi: false,
    });
    const count = this.#slots.length;
    const ids = new BigUint64Array(count);
    for (let row = 0; row < count; row++) ids[row] = (this.#slots[row] as PartitionSlot).id;
    graph.add(ids, this.#rows.subarray(0, count * this.dimensions), 1);
    this.#graph = graph;
  }
}

/** The nearest live candidate of a native search (nearest first), if it is near enough. */
function firstLive(
  found: Matches,
  slotOf: (key: bigint) => PartitionSlot | undefined,
  threshold: number,
  now: number,
): VectorMatch | undefined {
  for (let i = 0; i < found.keys.length; i++) {
    const slot = slotOf(found.keys[i] as bigint);
    if (slot === undefined || slot.entry.expiresAt <= now) continue;
    // Inner-product distance is 1 - dot.
    const similarity = 1 - (found.distances[i] as number);
    return similarity >= threshold ? { key: slot.entry.key, similarity: Math.min(similarity, 1) } : undefined;
  }
  return undefined;
}
