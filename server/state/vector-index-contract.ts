import { afterEach, describe, expect, it, vi } from "vitest";
import { normalise, SparseVector, type UnitVector } from "./unit-vector.ts";
import type { VectorEntry, VectorIndex } from "./vector-index.ts";

/**
 * Opens `replicas` indexes that share one empty state (fresh for each call):
 * one per replica on one Redis, or the one memory index handed out
 * `replicas` times, since memory is shared only within a process.
 */
export type OpenVectorIndexes = (replicas: number) => Promise<VectorIndex[]>;

/** How long a change on one replica may take to reach another. */
const PROPAGATION = { timeout: 1_000, interval: 10 };
const HOUR = 3_600_000;

function unit(...values: number[]): Float32Array {
  return normalise(Float32Array.from(values));
}

/** A sparse unit vector in a space of 2^20: dimension → value. */
function sparse(values: Record<number, number>): SparseVector {
  const indices = Uint32Array.from(Object.keys(values).map(Number)).sort();
  return normalise(
    new SparseVector(
      2 ** 20,
      indices,
      Float32Array.from(indices, (d) => values[d] as number),
    ),
  );
}

function entry(key: string, vector: UnitVector, fields: Partial<VectorEntry> = {}): VectorEntry {
  return {
    key,
    partition: "p1",
    namespace: "",
    model: "gpt-4o",
    vector,
    expiresAt: Date.now() + HOUR,
    ...fields,
  };
}

/** What every `VectorIndex` backend must do, wherever the vectors live. */
export function vectorIndexContract(name: string, open: OpenVectorIndexes): void {
  describe(`VectorIndex contract: ${name}`, () => {
    const opened: VectorIndex[] = [];
    const fresh = async (replicas = 1) => {
      const indexes = await open(replicas);
      opened.push(...new Set(indexes));
      return indexes;
    };
    const one = async () => (await fresh(1))[0] as VectorIndex;
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((index) => index.close()));
    });

    it("finds the nearest entry of the partition at or above the threshold, with its similarity", async () => {
      const index = await one();
      await index.add(entry("near", unit(1, 0.1, 0, 0)));
      await index.add(entry("far", unit(0, 1, 0, 0)));
      const match = await index.nearest("p1", unit(1, 0, 0, 0), 0.9);
      expect(match?.key).toBe("near");
      expect(match?.similarity).toBeCloseTo(1 / Math.sqrt(1.01), 5);
      expect(index.size).toBe(2);
    });

    it("finds nothing below the threshold", async () => {
      const index = await one();
      await index.add(entry("a", unit(1, 1, 0, 0)));
      expect(await index.nearest("p1", unit(1, 0, 0, 0), 0.95)).toBeUndefined();
      expect(await index.nearest("p1", unit(1, 0, 0, 0), 0.7)).toMatchObject({ key: "a" });
    });

    it("never compares entries of another partition", async () => {
      const index = await one();
      await index.add(entry("other", unit(1, 0, 0, 0), { partition: "p2" }));
      expect(await index.nearest("p1", unit(1, 0, 0, 0), 0.5)).toBeUndefined();
      expect(await index.nearest("p2", unit(1, 0, 0, 0), 0.5)).toMatchObject({ key: "other", similarity: 1 });
    });

    it("replaces a key's entry when it is added again", async () => {
      const index = await one();
      await index.add(entry("k", unit(1, 0, 0, 0)));
      await index.add(entry("k", unit(0, 1, 0, 0)));
      expect(index.size).toBe(1);
      // One 4-dimension vector (16 bytes) and the one-character key (2).
      expect(index.bytes).toBe(18);
      expect(await index.nearest("p1", unit(1, 0, 0, 0), 0.5)).toBeUndefined();
      expect(await index.nearest("p1", unit(0, 1, 0, 0), 0.5)).toMatchObject({ key: "k" });
    });

    it("neither finds nor counts an entry whose time is up", async () => {
      const index = await one();
      await index.add(entry("gone", unit(1, 0, 0, 0), { expiresAt: Date.now() - 1 }));
      expect(await index.nearest("p1", unit(1, 0, 0, 0), 0.5)).toBeUndefined();
      expect(index.size).toBe(0);
      expect(index.bytes).toBe(0);
    });

    it("removes by key, by namespace, by model, by both, and everything, saying how many", async () => {
      const index = await one();
      await index.add(entry("a", unit(1, 0, 0, 0), { namespace: "team-a", model: "m1" }));
      await index.add(entry("b", unit(0, 1, 0, 0), { namespace: "team-a", model: "m2" }));
      await index.add(entry("c", unit(0, 0, 1, 0), { namespace: "team-b", model: "m1" }));
      await index.add(entry("d", unit(0, 0, 0, 1), { namespace: "team-b", model: "m2" }));
      await index.add(entry("e", unit(1, 1, 0, 0), { namespace: "", model: "m3" }));
      expect(await index.remove({ key: "missing" })).toBe(0);
      expect(await index.remove({ key: "a" })).toBe(1);
      expect(await index.nearest("p1", unit(1, 0, 0, 0), 0.99)).toBeUndefined();
      expect(await index.remove({ namespace: "team-b", model: "m2" })).toBe(1);
      expect(await index.remove({ model: "m1" })).toBe(1);
      expect(await index.remove({ namespace: "team-a" })).toBe(1);
      expect(index.size).toBe(1);
      expect(await index.remove({})).toBe(1);
      expect(index.size).toBe(0);
      expect(await index.nearest("p1", unit(1, 1, 0, 0), 0.5)).toBeUndefined();
    });

    it("finds sparse vectors (the local embedder's) by their shared dimensions, on every replica", async () => {
      const [a, b] = (await fresh(2)) as [VectorIndex, VectorIndex];
      await a.add(entry("near", sparse({ 3: 1, 70000: 1, 1000000: 0.2 }), { partition: "s" }));
      await a.add(entry("far", sparse({ 3: 1, 500000: 1 }), { partition: "s" }));
      const query = sparse({ 3: 1, 70000: 1 });
      for (const index of [a, b]) {
        await vi.waitFor(() => expect(index.size).toBe(2), PROPAGATION);
        const match = await index.nearest("s", query, 0.9);
        expect(match?.key).toBe("near");
        expect(match?.similarity).toBeCloseTo(2 / Math.sqrt(2 * 2.04), 5);
        expect(await index.nearest("s", query, 0.995)).toBeUndefined();
        expect(await index.nearest("s", sparse({ 4: 1, 70001: 1 }), 0.01)).toBeUndefined();
        // A dense vector is of another space: it finds nothing in a sparse partition.
        expect(await index.nearest("s", unit(1, 0, 0, 0), 0.01)).toBeUndefined();
      }
    });

    it("finds on one replica, within a second, an entry added on another", async () => {
      const [a, b] = (await fresh(2)) as [VectorIndex, VectorIndex];
      await a.add(entry("shared", unit(1, 0, 0, 0)));
      await vi.waitFor(async () => {
        expect(await b.nearest("p1", unit(1, 0, 0, 0), 0.9)).toMatchObject({ key: "shared" });
      }, PROPAGATION);
    });

    it("removes on every replica, within a second, what one replica removes", async () => {
      const [a, b] = (await fresh(2)) as [VectorIndex, VectorIndex];
      await a.add(entry("x", unit(1, 0, 0, 0), { namespace: "team-a" }));
      await a.add(entry("y", unit(0, 1, 0, 0), { namespace: "team-b" }));
      await vi.waitFor(() => expect(b.size).toBe(2), PROPAGATION);
      expect(await b.remove({ namespace: "team-a" })).toBe(1);
      await vi.waitFor(async () => {
        expect(await a.nearest("p1", unit(1, 0, 0, 0), 0.9)).toBeUndefined();
        expect(a.size).toBe(1);
      }, PROPAGATION);
      expect(await a.nearest("p1", unit(0, 1, 0, 0), 0.9)).toMatchObject({ key: "y" });
    });
  });
}
