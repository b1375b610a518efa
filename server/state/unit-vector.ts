/**
 * Unit vectors, as the semantic cache's embedders produce them and its
 * indexes compare them: with both at unit length, the dot product is the
 * cosine similarity. An embedding model's vectors are dense (a
 * `Float32Array`); the local embedder's are sparse (a few dozen to a few
 * hundred non-zero values in a hashed space of a million dimensions), and
 * stay sparse from the embedder through the index and Redis.
 */

/**
 * A sparse vector: the dimensions where it is not zero, in ascending order
 * and each once, and the values there. `dimensions` is the size of the space,
 * so that vectors of two spaces are never compared.
 */
export class SparseVector {
  readonly dimensions: number;
  readonly indices: Uint32Array;
  readonly values: Float32Array;

  constructor(dimensions: number, indices: Uint32Array, values: Float32Array) {
    this.dimensions = dimensions;
    this.indices = indices;
    this.values = values;
  }

  /** How many values are not zero. */
  get size(): number {
    return this.indices.length;
  }
}

/**
 * The dimensions of a sparse space that the index posts: the lower half. A
 * sparse vector keeps its light, common features (the local embedder's
 * character trigrams, which are most of its values and a quarter of its
 * weight) in the upper half, where they count in every dot product but are
 * never posted, so that adding a vector costs a posting per word and word
 * pair only. The index counts a query's upper half as unwalked weight, which
 * keeps its search exact (sparse-vector-postings.ts).
 */
export function postedBelow(dimensions: number): number {
  return dimensions / 2;
}

/** How many of a sparse vector's values the index posts: those below `postedBelow` (a binary search). */
export function postedValues(vector: SparseVector): number {
  const indices = vector.indices;
  const below = postedBelow(vector.dimensions);
  let low = 0;
  let high = indices.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((indices[mid] as number) < below) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A vector as the embedders give it: dense from a model, sparse from the local embedder. */
export type UnitVector = Float32Array | SparseVector;

/** Scales the vector to unit length in place and returns it; a zero vector stays zero. */
export function normalise<V extends Float32Array | SparseVector>(vector: V): V {
  const values: Float32Array = vector instanceof SparseVector ? vector.values : (vector as Float32Array);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    sum += v * v;
  }
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) * scale;
  return vector;
}

/** The dot product of `a` with the row of `rows` that starts at `offset` (as long as `a`). */
export function dotAt(a: Float32Array, rows: Float32Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (rows[offset + i] as number);
  return sum;
}

/** The dot product of two sparse vectors: one merge of their sorted dimensions. */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  const ai = a.indices;
  const bi = b.indices;
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < ai.length && j < bi.length) {
    const x = ai[i] as number;
    const y = bi[j] as number;
    if (x === y) sum += (a.values[i++] as number) * (b.values[j++] as number);
    else if (x < y) i++;
    else j++;
  }
  return sum;
}

/** Whether two vectors live in one space (both dense of one length, or both sparse of one size) and so can be compared. */
export function sameSpace(a: UnitVector, b: UnitVector): boolean {
  if (a instanceof SparseVector) return b instanceof SparseVector && a.dimensions === b.dimensions;
  return !(b instanceof SparseVector) && a.length === b.length;
}

/** The cosine similarity of two unit vectors of one space; a RangeError for two of different spaces. */
export function cosine(a: UnitVector, b: UnitVector): number {
  if (!sameSpace(a, b)) throw new RangeError("cannot compare vectors of different spaces");
  if (a instanceof SparseVector) return sparseDot(a, b as SparseVector);
  return dotAt(a, b as Float32Array, 0);
}

/** The bytes a vector's values (and a sparse one's dimensions) take. */
export function vectorBytes(vector: UnitVector): number {
  return vector instanceof SparseVector
    ? vector.indices.byteLength + vector.values.byteLength
    : vector.byteLength;
}

/** A short description of a vector's space, for errors: "512-dimension" or "sparse 1048576-dimension". */
export function spaceName(vector: UnitVector): string {
  return vector instanceof SparseVector
    ? `sparse ${vector.dimensions}-dimension`
    : `${vector.length}-dimension`;
}

/**
 * A sparse vector folded into `dimensions` dense ones (a power of two), each
 * value added at its dimension modulo that size, and normalised: the local
 * embedder's vector folded to 512 is the dense one it made before it was
 * sparse. For comparing the two in tests and benches.
 */
export function foldToDense(vector: SparseVector, dimensions: number): Float32Array {
  const dense = new Float32Array(dimensions);
  const mask = dimensions - 1;
  for (let i = 0; i < vector.size; i++) {
    const d = (vector.indices[i] as number) & mask;
    dense[d] = (dense[d] as number) + (vector.values[i] as number);
  }
  return normalise(dense);
}
