import { describe, expect, it } from "vitest";
import { normalise, SparseVector } from "../unit-vector.ts";
import type { VectorEntry } from "../vector-index.ts";
import { entryFields, entryOf, type Fields, fieldsOf } from "./redis-vector-codec.ts";

const base = { key: "k", partition: "p", namespace: "team-a", model: "m", expiresAt: 1_700_000_000_000 };

/** The entry's fields as Redis hands them back: every value a Buffer. */
function roundTrip(entry: VectorEntry): Fields {
  return fieldsOf(
    entryFields(entry).map((value) => (typeof value === "string" ? Buffer.from(value) : Buffer.from(value))),
  );
}

function sparseFields(space: string, indices: number[], values: number[]): Fields {
  return new Map([
    ["partition", Buffer.from("p")],
    ["namespace", Buffer.from("")],
    ["model", Buffer.from("m")],
    ["expiresAt", Buffer.from("1")],
    ["space", Buffer.from(space)],
    ["indices", Buffer.from(Uint32Array.from(indices).buffer)],
    ["values", Buffer.from(Float32Array.from(values).buffer)],
  ]);
}

describe("the Redis vector codec", () => {
  it("spells a dense vector as one field of float32 bytes, and reads it back", () => {
    const vector = normalise(Float32Array.of(1, 2, 3));
    const fields = roundTrip({ ...base, vector });
    expect(fields.get("vector")?.byteLength).toBe(12);
    expect(fields.has("indices")).toBe(false);
    expect(entryOf("k", fields)).toEqual({ ...base, vector });
  });

  it("keeps a sparse vector sparse: its space, its dimensions and its values, and reads it back", () => {
    const vector = normalise(
      new SparseVector(2 ** 20, Uint32Array.of(5, 70_000, 1_048_575), Float32Array.of(1, -2, 0.5)),
    );
    const fields = roundTrip({ ...base, vector });
    expect(fields.get("space")?.toString()).toBe("1048576");
    expect(fields.get("indices")?.byteLength).toBe(12);
    expect(fields.get("values")?.byteLength).toBe(12);
    expect(fields.has("vector")).toBe(false);
    const read = entryOf("k", fields)?.vector;
    expect(read).toBeInstanceOf(SparseVector);
    expect(read).toEqual(vector);
  });

  it("reads values from a Buffer that is not aligned to 4 bytes", () => {
    const fields = new Map(sparseFields("1024", [1, 2], [0.6, 0.8]));
    const shifted = Buffer.alloc(9);
    Buffer.from(Float32Array.of(0.6, 0.8).buffer).copy(shifted, 1);
    fields.set("values", shifted.subarray(1));
    const read = entryOf("k", fields);
    expect((read?.vector as SparseVector | undefined)?.values).toEqual(Float32Array.of(0.6, 0.8));
  });

  it("refuses a sparse vector that is not whole or not in order, as an entry it cannot read", () => {
    expect(entryOf("k", sparseFields("1024", [1, 2], [0.6, 0.8]))).toBeDefined();
    // Dimensions out of order, repeated, or outside the space.
    expect(entryOf("k", sparseFields("1024", [2, 1], [0.6, 0.8]))).toBeUndefined();
    expect(entryOf("k", sparseFields("1024", [1, 1], [0.6, 0.8]))).toBeUndefined();
    expect(entryOf("k", sparseFields("1024", [1, 1024], [0.6, 0.8]))).toBeUndefined();
    // A space that is not a positive integer, values that are not finite, counts that differ.
    expect(entryOf("k", sparseFields("x", [1, 2], [0.6, 0.8]))).toBeUndefined();
    expect(entryOf("k", sparseFields("0", [1, 2], [0.6, 0.8]))).toBeUndefined();
    expect(entryOf("k", sparseFields("1024", [1, 2], [0.6, Number.NaN]))).toBeUndefined();
    expect(entryOf("k", sparseFields("1024", [1, 2], [0.6]))).toBeUndefined();
    const missing = new Map(sparseFields("1024", [1, 2], [0.6, 0.8]));
    missing.delete("indices");
    expect(entryOf("k", missing)).toBeUndefined();
  });
});
