/**
 * Unit vectors, as the semantic cache's embedders produce them and its
 * indexes compare them: with both at unit length, the dot product is the
 * cosine similarity.
 */

/** Scales the vector to unit length in place and returns it; a zero vector stays zero. */
export function normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i] as number;
    sum += v * v;
  }
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}

/** The dot product of `a` with the row of `rows` that starts at `offset` (as long as `a`). */
export function dotAt(a: Float32Array, rows: Float32Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (rows[offset + i] as number);
  return sum;
}

/** The cosine similarity of two unit vectors of one length. */
export function cosine(a: Float32Array, b: Float32Array): number {
  return dotAt(a, b, 0);
}
