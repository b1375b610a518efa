import { SparseVector, type UnitVector } from "../unit-vector.ts";
import type { VectorEntry, VectorFilter } from "../vector-index.ts";

/**
 * How the semantic index's entries and changes are spelt in Redis: an entry
 * is a hash of its fields with the vector as raw bytes (every replica runs
 * on the same byte order), and a change on the stream is `op add` with the
 * entry's fields, or `op remove` with the filter's. A dense vector is one
 * field, `vector` (float32 values); a sparse one is three: `space` (the size
 * of its space, in decimal), `indices` (uint32 dimensions, ascending) and
 * `values` (float32).
 */

/** The entry's fields, for HSET and for an `add` change (the key is the entry's own, or a field). */
export function entryFields(entry: VectorEntry): (string | Buffer)[] {
  return [
    "partition",
    entry.partition,
    "namespace",
    entry.namespace,
    "model",
    entry.model,
    "expiresAt",
    String(entry.expiresAt),
    ...vectorFields(entry.vector),
  ];
}

function vectorFields(vector: UnitVector): (string | Buffer)[] {
  if (!(vector instanceof SparseVector)) return ["vector", bytesOf(vector)];
  return [
    "space",
    String(vector.dimensions),
    "indices",
    bytesOf(vector.indices),
    "values",
    bytesOf(vector.values),
  ];
}

function bytesOf(array: Float32Array | Uint32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** Field name to value, from Redis's flat [name, value, …] list or its HGETALL object. */
export type Fields = ReadonlyMap<string, Buffer>;

export function fieldsOf(flat: readonly Buffer[]): Fields {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < flat.length; i += 2)
    fields.set((flat[i] as Buffer).toString(), flat[i + 1] as Buffer);
  return fields;
}

/** The entry the fields spell, or undefined when they are not a whole entry (a hash that expired meanwhile). */
export function entryOf(key: string, fields: Fields): VectorEntry | undefined {
  const partition = fields.get("partition");
  const namespace = fields.get("namespace");
  const model = fields.get("model");
  const expiresAt = Number(fields.get("expiresAt")?.toString());
  const vector = vectorOf(fields);
  if (partition === undefined || namespace === undefined || model === undefined || vector === undefined) {
    return undefined;
  }
  if (!Number.isFinite(expiresAt)) return undefined;
  return {
    key,
    partition: partition.toString(),
    namespace: namespace.toString(),
    model: model.toString(),
    expiresAt,
    vector,
  };
}

/** The dense or sparse vector the fields spell, or undefined when they spell none whole. */
function vectorOf(fields: Fields): UnitVector | undefined {
  const dense = fields.get("vector");
  if (dense !== undefined) return float32Of(dense);
  const space = Number(fields.get("space")?.toString());
  const indexBytes = fields.get("indices");
  const valueBytes = fields.get("values");
  if (!Number.isInteger(space) || space < 1 || space > 2 ** 32) return undefined;
  if (
    indexBytes === undefined ||
    valueBytes === undefined ||
    indexBytes.byteLength !== valueBytes.byteLength
  ) {
    return undefined;
  }
  const values = float32Of(valueBytes);
  if (values === undefined) return undefined;
  const indices = new Uint32Array(indexBytes.byteLength / 4);
  new Uint8Array(indices.buffer).set(indexBytes);
  // The postings trust the order: dimensions must ascend, each once, inside the space.
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    if (index >= space || (i > 0 && index <= (indices[i - 1] as number))) return undefined;
    if (!Number.isFinite(values[i] as number)) return undefined;
  }
  return new SparseVector(space, indices, values);
}

/** float32 values from bytes: a copy, since the Buffer may share a pool and need not be aligned to 4 bytes. */
function float32Of(bytes: Buffer): Float32Array | undefined {
  if (bytes.byteLength % 4 !== 0) return undefined;
  const values = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}

/** The filter a `remove` change carries. */
export function filterOf(fields: Fields): VectorFilter {
  const key = fields.get("key")?.toString();
  const namespace = fields.get("namespace")?.toString();
  const model = fields.get("model")?.toString();
  return {
    ...(key === undefined ? {} : { key }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(model === undefined ? {} : { model }),
  };
}
