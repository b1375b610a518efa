import { GatewayError } from "../../errors/gateway-error.ts";
import { postedBelow, SparseVector, spaceName, type UnitVector } from "../unit-vector.ts";
import type { VectorEntry, VectorMatch } from "../vector-index.ts";
import { SparseVectorPostings } from "./sparse-vector-postings.ts";

/** One entry's place in a sparse partition. */
export interface SparseSlot {
  readonly entry: VectorEntry;
  /** Its ref in the partition's postings. */
  readonly ref: number;
}

/**
 * The entries of one partition whose vectors are sparse (the local
 * embedder's), all of one space: an inverted index over them
 * (sparse-vector-postings.ts), exact at every size, so such a partition
 * never needs a graph. A lookup costs the postings of the query's rarer
 * dimensions, not one dot product per entry, and an add costs one append
 * per non-zero value in the posted half of the space (`postedBelow`).
 */
export class SparseVectorPartition {
  readonly dimensions: number;
  readonly #postings: SparseVectorPostings;
  /** Each ref's slot, and its entry's expiry (so the query skips expired rows without reaching the entry). */
  readonly #slots: (SparseSlot | undefined)[] = [];
  #expiresAt = new Float64Array(16);
  /** The time of the query being answered, for `#live`. */
  #queryNow = 0;
  /** Whether a ref's entry is still live at `#queryNow` (made once, handed to every query). */
  readonly #live = (ref: number): boolean => (this.#expiresAt[ref] as number) > this.#queryNow;

  constructor(dimensions: number) {
    this.dimensions = dimensions;
    this.#postings = new SparseVectorPostings(postedBelow(dimensions));
  }

  get count(): number {
    return this.#postings.count;
  }

  add(entry: VectorEntry, _id: bigint): SparseSlot {
    const vector = entry.vector;
    if (!(vector instanceof SparseVector) || vector.dimensions !== this.dimensions) {
      throw new GatewayError(
        "internal",
        `a ${spaceName(vector)} vector cannot join a partition of sparse ${this.dimensions}-dimension ones`,
      );
    }
    const ref = this.#postings.add(vector);
    if (ref >= this.#expiresAt.length) {
      const expiresAt = new Float64Array(Math.max(ref + 1, this.#expiresAt.length * 2));
      expiresAt.set(this.#expiresAt);
      this.#expiresAt = expiresAt;
    }
    this.#expiresAt[ref] = entry.expiresAt;
    const slot: SparseSlot = { entry, ref };
    this.#slots[ref] = slot;
    return slot;
  }

  remove(slot: SparseSlot): void {
    this.#postings.remove(slot.ref);
    this.#slots[slot.ref] = undefined;
  }

  /** The nearest entry not expired at `now` whose similarity is at least `threshold`. */
  nearest(vector: UnitVector, threshold: number, now: number): VectorMatch | undefined {
    if (!(vector instanceof SparseVector) || vector.dimensions !== this.dimensions) return undefined;
    this.#queryNow = now;
    const found = this.#postings.best(vector, threshold, this.#live);
    if (found === undefined) return undefined;
    const slot = this.#slots[found.ref] as SparseSlot;
    return { key: slot.entry.key, similarity: Math.min(found.score, 1) };
  }
}
