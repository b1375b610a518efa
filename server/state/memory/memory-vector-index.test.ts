import { describe, expect, it } from "vitest";
import { LocalEmbedder } from "../../policy/cache/semantic/local-embedder.ts";
import { cosine, foldToDense, normalise, type SparseVector, type UnitVector } from "../unit-vector.ts";
import type { VectorEntry } from "../vector-index.ts";
import { vectorIndexContract } from "../vector-index-contract.ts";
import { MemoryVectorIndex } from "./memory-vector-index.ts";

// Memory is shared only within one process: every "replica" is the same index.
vectorIndexContract("memory", (replicas) => {
  const index = new MemoryVectorIndex();
  return Promise.resolve(Array.from({ length: replicas }, () => index));
});

// The same contract with every partition searched through the HNSW graph from its second entry.
vectorIndexContract("memory, HNSW", (replicas) => {
  const index = new MemoryVectorIndex({ bruteForceMax: 1 });
  return Promise.resolve(Array.from({ length: replicas }, () => index));
});

function entry(key: string, vector: UnitVector, expiresAt: number, partition = "p"): VectorEntry {
  return { key, partition, namespace: "", model: "m", vector, expiresAt };
}

const localEmbedder = new LocalEmbedder();

const dense512 = (sparse: SparseVector): Float32Array => foldToDense(sparse, 512);

describe("MemoryVectorIndex", () => {
  it("stops finding an entry once its time is up, and sweeps it out", async () => {
    let now = 1_000_000;
    const index = new MemoryVectorIndex({ now: () => now });
    const vector = normalise(Float32Array.of(1, 2, 3));
    await index.add(entry("k", vector, now + 60_000));
    expect(await index.nearest("p", vector, 0.9)).toMatchObject({ key: "k" });
    now += 60_000;
    expect(await index.nearest("p", vector, 0.9)).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it("skips expired rows of sparse vectors too, and finds the nearest live one", async () => {
    let now = 1_000_000;
    const index = new MemoryVectorIndex({ now: () => now });
    const embedder = new LocalEmbedder();
    for (let i = 0; i < 200; i++) {
      await index.add(entry(`k${i}`, embedder.vector(`item ${i} of the list`), now + 10_000));
    }
    await index.add(entry("soon", embedder.vector("item 7 of the list please"), now + 1_000));
    const query = embedder.vector("item 7 of the list please");
    const first = await index.nearest("p", query, 0.5);
    expect(first?.key).toBe("soon");
    expect(first?.similarity).toBeCloseTo(1, 5);
    now += 1_000;
    expect(await index.nearest("p", query, 0.5)).toMatchObject({ key: "k7" });
  });

  it("searches dense vectors through the native brute force, skipping expired rows", async () => {
    let now = 1_000_000;
    const index = new MemoryVectorIndex({ now: () => now });
    let seed = 1;
    const dense = () =>
      normalise(
        Float32Array.from({ length: 32 }, () => {
          seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
          return seed / 2 ** 32 - 0.5;
        }),
      );
    const vectors = Array.from({ length: 200 }, dense);
    for (const [i, v] of vectors.entries())
      await index.add(entry(`k${i}`, v, now + (i === 42 ? 1_000 : 10_000)));
    const query = vectors[42] as Float32Array;
    expect(await index.nearest("p", query, 0.99)).toMatchObject({ key: "k42" });
    now += 1_000;
    expect(await index.nearest("p", query, 0.99)).toBeUndefined();
    expect((await index.nearest("p", vectors[7] as Float32Array, 0.99))?.key).toBe("k7");
  });

  it("drops the entry added longest ago when full", async () => {
    const index = new MemoryVectorIndex({ maxEntries: 2 });
    const later = Date.now() + 60_000;
    await index.add(entry("first", normalise(Float32Array.of(1, 0)), later));
    await index.add(entry("second", normalise(Float32Array.of(0, 1)), later));
    await index.add(entry("third", normalise(Float32Array.of(1, 1)), later));
    expect(index.size).toBe(2);
    expect(await index.nearest("p", Float32Array.of(1, 0), 0.99)).toBeUndefined();
    expect(await index.nearest("p", Float32Array.of(0, 1), 0.99)).toMatchObject({ key: "second" });
  });

  it("refuses a vector of another size in the same partition, and finds nothing with one", async () => {
    const index = new MemoryVectorIndex();
    const later = Date.now() + 60_000;
    await index.add(entry("a", normalise(Float32Array.of(1, 0)), later));
    await expect(index.add(entry("b", normalise(Float32Array.of(1, 0, 0)), later))).rejects.toThrow(
      /3-dimension vector/,
    );
    expect(await index.nearest("p", Float32Array.of(1, 0, 0), 0.5)).toBeUndefined();
  });

  it("finds the same nearest prompt by brute force and through the HNSW graph over 3,000 entries", async () => {
    const embedder = { vector: (text: string) => dense512(localEmbedder.vector(text)) };
    const later = Date.now() + 60_000;
    const exact = new MemoryVectorIndex({ bruteForceMax: 1_000_000 });
    const graph = new MemoryVectorIndex({ bruteForceMax: 100 });
    for (let i = 0; i < 3_000; i++) {
      const e = entry(
        `k${i}`,
        embedder.vector(`What is the population of city number ${i} in region ${i % 37}?`),
        later,
      );
      await exact.add(e);
      await graph.add(e);
    }
    let agreed = 0;
    const probes = 100;
    for (let i = 0; i < probes; i++) {
      const n = i * 29;
      const query = embedder.vector(`what's the population of city number ${n} in region ${n % 37}`);
      const expected = await exact.nearest("p", query, 0.95);
      expect(expected?.key).toBe(`k${n}`);
      const found = await graph.nearest("p", query, 0.95);
      if (found?.key === expected?.key) agreed++;
    }
    // HNSW is approximate, and these prompts differ in two numbers only, its hardest case: it agreed 92
    // times in 100 when this was written (a miss costs an upstream call, never a wrong answer).
    expect(agreed).toBeGreaterThanOrEqual(90);
  });

  it("finds through the sparse postings exactly what brute force finds, through removals and re-adds", async () => {
    const later = Date.now() + 60_000;
    const index = new MemoryVectorIndex({ maxEntries: 100_000 });
    const texts = new Map<string, SparseVector>();
    const put = async (key: string, text: string) => {
      const vector = localEmbedder.vector(text);
      texts.set(key, vector);
      await index.add(entry(key, vector, later));
    };
    for (let i = 0; i < 3_000; i++)
      await put(`k${i}`, `What is the population of city number ${i} in region ${i % 37}?`);
    // Enough removals for the postings to compact, then new entries in the freed refs.
    for (let i = 0; i < 3_000; i += 3) {
      await index.remove({ key: `k${i}` });
      texts.delete(`k${i}`);
    }
    for (let i = 0; i < 500; i++)
      await put(`n${i}`, `How many people live in town ${i} of county ${i % 11}?`);
    const bruteForce = (query: SparseVector, threshold: number) => {
      let best: { key: string; similarity: number } | undefined;
      for (const [key, vector] of texts) {
        const similarity = cosine(query, vector);
        if (similarity >= threshold && (best === undefined || similarity > best.similarity))
          best = { key, similarity };
      }
      return best;
    };
    let hits = 0;
    for (let i = 0; i < 200; i++) {
      const query = localEmbedder.vector(
        i % 2 === 0
          ? `what's the population of city number ${i * 13} in region ${(i * 13) % 37}`
          : `how many people live in town ${i * 2} of county ${(i * 2) % 11}`,
      );
      for (const threshold of [0.95, 0.8, 0.5]) {
        const expected = bruteForce(query, threshold);
        const found = await index.nearest("p", query, threshold);
        // Ties ("city 37" and "city 74" are as far from "city 0") may be broken either way: the similarity must agree.
        expect(found === undefined).toBe(expected === undefined);
        if (expected !== undefined && found !== undefined) {
          expect(found.similarity).toBeCloseTo(expected.similarity, 5);
          expect(cosine(query, texts.get(found.key) as SparseVector)).toBeCloseTo(found.similarity, 5);
        }
        if (threshold === 0.95 && found !== undefined) hits++;
      }
    }
    // The removed third of the cities and none of the others miss at 0.95.
    expect(hits).toBeGreaterThan(100);
    expect(hits).toBeLessThan(200);
  });

  it("keeps sparse and dense vectors in partitions of their own, and refuses the other kind in one", async () => {
    const index = new MemoryVectorIndex();
    const later = Date.now() + 60_000;
    const sparse = localEmbedder.vector("hello there");
    await index.add(entry("s", sparse, later, "sparse"));
    await index.add(entry("d", dense512(sparse), later, "dense"));
    await expect(index.add(entry("x", dense512(sparse), later, "sparse"))).rejects.toThrow(
      /512-dimension vector cannot join a partition of sparse/,
    );
    await expect(index.add(entry("y", sparse, later, "dense"))).rejects.toThrow(
      /sparse 1048576-dimension vector/,
    );
    expect(await index.nearest("sparse", sparse, 0.99)).toMatchObject({ key: "s" });
    expect(await index.nearest("dense", dense512(sparse), 0.99)).toMatchObject({ key: "d" });
    expect(await index.nearest("sparse", dense512(sparse), 0.5)).toBeUndefined();
    expect(await index.nearest("dense", sparse, 0.5)).toBeUndefined();
    // A sparse entry counts its values (8 bytes each), its posted ones again as postings (16 bytes each:
    // the words and pairs, not the trigrams in the upper half of the space), and its key.
    const posted = Array.from(sparse.indices).filter((d) => d < sparse.dimensions / 2).length;
    expect(posted).toBe(3); // "hello", "there", "hello there"
    expect(index.bytes).toBe(8 * sparse.size + 16 * posted + 2 + 512 * 4 + 2);
  });

  it("keeps rows right when entries are removed from the middle", async () => {
    const index = new MemoryVectorIndex();
    const later = Date.now() + 60_000;
    const vectors = [Float32Array.of(1, 0, 0), Float32Array.of(0, 1, 0), Float32Array.of(0, 0, 1)];
    for (const [i, v] of vectors.entries()) await index.add(entry(`k${i}`, v, later));
    await index.remove({ key: "k0" });
    expect(await index.nearest("p", Float32Array.of(0, 0, 1), 0.99)).toMatchObject({ key: "k2" });
    expect(await index.nearest("p", Float32Array.of(0, 1, 0), 0.99)).toMatchObject({ key: "k1" });
    expect(await index.nearest("p", Float32Array.of(1, 0, 0), 0.5)).toBeUndefined();
  });
});
