import { describe, expect, it } from "vitest";
import { normalise, SparseVector, sparseDot } from "../unit-vector.ts";
import { SparseVectorPostings } from "./sparse-vector-postings.ts";

const SPACE = 2 ** 20;

/**
 * A deterministic sparse unit vector from a seed: `common` values in a few
 * dimensions that most vectors share (as words like "the" are), and `rare`
 * in dimensions drawn from the whole space.
 */
function vectorOf(seed: number, common = 8, rare = 30): SparseVector {
  let state = Math.imul(seed + 1, 2654435761) >>> 0;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  const values = new Map<number, number>();
  for (let i = 0; i < common; i++) values.set(next() % 16, 1);
  for (let i = 0; i < rare; i++)
    values.set(16 + (next() % (SPACE - 16)), ((next() >>> 8) % 1000) / 1000 - 0.5 || 0.1);
  const indices = Uint32Array.from([...values.keys()].sort((a, b) => a - b));
  return normalise(
    new SparseVector(
      SPACE,
      indices,
      Float32Array.from(indices, (d) => values.get(d) as number),
    ),
  );
}

/** A vector near `v`: the same values, a few of the rare ones changed. */
function near(v: SparseVector, changed: number): SparseVector {
  const values = Float32Array.from(v.values);
  for (let i = 0; i < changed; i++)
    values[values.length - 1 - i] = (values[values.length - 1 - i] as number) * 0.5;
  return normalise(new SparseVector(v.dimensions, v.indices.slice(), values));
}

const always = (): boolean => true;

function bruteForce(rows: Map<number, SparseVector>, query: SparseVector, threshold: number) {
  let best: { ref: number; score: number } | undefined;
  for (const [ref, row] of rows) {
    const score = sparseDot(query, row);
    if (score >= threshold && (best === undefined || score > best.score)) best = { ref, score };
  }
  return best;
}

describe("SparseVectorPostings", () => {
  it("finds the row brute force finds, with its exact dot product, at every threshold", () => {
    const postings = new SparseVectorPostings();
    const rows = new Map<number, SparseVector>();
    for (let i = 0; i < 1_500; i++) {
      const v = vectorOf(i);
      rows.set(postings.add(v), v);
    }
    for (let i = 0; i < 300; i++) {
      const query = i % 3 === 0 ? vectorOf(10_000 + i) : near(vectorOf(i * 5), i % 7);
      for (const threshold of [0.99, 0.95, 0.8, 0.5, 0.2, 0.05]) {
        const expected = bruteForce(rows, query, threshold);
        const found = postings.best(query, threshold, always);
        expect(found === undefined, `query ${i} at ${threshold}`).toBe(expected === undefined);
        if (expected !== undefined) expect(found?.score).toBeCloseTo(expected.score, 6);
        if (found !== undefined)
          expect(sparseDot(query, rows.get(found.ref) as SparseVector)).toBeCloseTo(found.score, 6);
      }
    }
  });

  it("keeps finding the right rows through removals, compactions and reused refs", () => {
    const postings = new SparseVectorPostings();
    const rows = new Map<number, SparseVector>();
    for (let i = 0; i < 2_000; i++) {
      const v = vectorOf(i);
      rows.set(postings.add(v), v);
    }
    const before = postings.postings;
    // Most rows go: enough to compact, which drops their postings.
    for (const ref of [...rows.keys()].filter((ref) => ref % 4 !== 0)) {
      postings.remove(ref);
      rows.delete(ref);
    }
    expect(postings.count).toBe(500);
    expect(postings.postings).toBeLessThan(before / 2);
    // New rows take the freed refs.
    for (let i = 0; i < 1_000; i++) {
      const v = vectorOf(5_000 + i);
      const ref = postings.add(v);
      expect(rows.has(ref)).toBe(false);
      rows.set(ref, v);
    }
    expect(Math.max(...rows.keys())).toBeLessThan(2_000);
    for (let i = 0; i < 200; i++) {
      const query = near(vectorOf(i % 2 === 0 ? i * 4 : 5_000 + i), 2);
      const expected = bruteForce(rows, query, 0.9);
      const found = postings.best(query, 0.9, always);
      expect(found === undefined).toBe(expected === undefined);
      if (expected !== undefined) expect(found?.score).toBeCloseTo(expected.score, 6);
    }
    // A removed row is never found, however near the query.
    const gone = [...rows.keys()][0] as number;
    const query = rows.get(gone) as SparseVector;
    expect(postings.best(query, 0.99, always)?.ref).toBe(gone);
    postings.remove(gone);
    expect(postings.best(query, 0.99, always)).toBeUndefined();
  });

  it("skips rows that `accept` refuses and finds the next best", () => {
    const postings = new SparseVectorPostings();
    const a = vectorOf(1);
    const first = postings.add(a);
    const second = postings.add(near(a, 3));
    expect(postings.best(a, 0.5, always)?.ref).toBe(first);
    const found = postings.best(a, 0.5, (ref) => ref !== first);
    expect(found?.ref).toBe(second);
    expect(found?.score).toBeCloseTo(sparseDot(a, near(a, 3)), 6);
  });

  it("finds nothing for an empty query, an empty index, or a query sharing no dimension", () => {
    const postings = new SparseVectorPostings();
    const empty = new SparseVector(SPACE, new Uint32Array(0), new Float32Array(0));
    expect(postings.best(vectorOf(1), 0.1, always)).toBeUndefined();
    postings.add(vectorOf(1, 0));
    expect(postings.best(empty, 0.1, always)).toBeUndefined();
    expect(postings.best(vectorOf(2, 0), 0.01, always)).toBeUndefined();
  });

  it("posts only the lower dimensions when told, and still finds what brute force finds", () => {
    const postings = new SparseVectorPostings(SPACE / 2);
    const rows = new Map<number, SparseVector>();
    let values = 0;
    for (let i = 0; i < 1_500; i++) {
      const v = vectorOf(i);
      values += v.size;
      rows.set(postings.add(v), v);
    }
    // Only the values below the cut are posted: about half the rare ones, and the common ones.
    expect(postings.postings).toBeLessThan(values * 0.75);
    // A query whose weight is almost all above the cut (nothing posted to walk): found by scoring every row.
    const high = normalise(
      new SparseVector(SPACE, Uint32Array.from([3, SPACE - 9, SPACE - 5]), Float32Array.from([0.01, 1, 1])),
    );
    const twin = postings.add(high);
    rows.set(twin, high);
    expect(postings.best(high, 0.99, always)?.ref).toBe(twin);
    for (let i = 0; i < 300; i++) {
      const query = i % 3 === 0 ? vectorOf(10_000 + i) : near(vectorOf(i * 5), i % 7);
      for (const threshold of [0.99, 0.95, 0.8, 0.5, 0.2]) {
        const expected = bruteForce(rows, query, threshold);
        const found = postings.best(query, threshold, always);
        expect(found === undefined, `query ${i} at ${threshold}`).toBe(expected === undefined);
        if (expected !== undefined) expect(found?.score).toBeCloseTo(expected.score, 6);
      }
    }
  });
});
