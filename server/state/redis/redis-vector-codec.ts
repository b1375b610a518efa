import type { VectorEntry, VectorFilter } from "../vector-index.ts";

/**
 * How the semantic index's entries and changes are spelt in Redis: an entry
 * is a hash of its fields with the vector as raw float32 bytes (every
 * replica runs on the same byte order), and a change on the stream is
 * `op add` with the entry's fields, or `op remove` with the filter's.
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
    "vector",
    Buffer.from(entry.vector.buffer, entry.vector.byteOffset, entry.vector.byteLength),
  ];
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
  const bytes = fields.get("vector");
  if (partition === undefined || namespace === undefined || model === undefined || bytes === undefined) {
    return undefined;
  }
  if (!Number.isFinite(expiresAt) || bytes.byteLength % 4 !== 0) return undefined;
  // A copy: the Buffer may share a pool and need not be aligned to 4 bytes.
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return {
    key,
    partition: partition.toString(),
    namespace: namespace.toString(),
    model: model.toString(),
    expiresAt,
    vector,
  };
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
