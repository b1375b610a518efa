/**
 * OpenAI's `encoding_format: "base64"` for embeddings: the vector's float32
 * values, little-endian, base64-encoded. The REST shim writes it for callers
 * (the `openai` SDK asks for it by default) and the OpenAI-compatible
 * provider reads it from upstreams that answer that way.
 */

/** float32 values as base64 of their little-endian bytes. */
export function float32ToBase64(values: ArrayLike<number>): string {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i] as number, i * 4);
  return bytes.toString("base64");
}

/** base64 of little-endian float32 bytes as numbers; undefined when the bytes are not whole floats. */
export function float32FromBase64(text: string): number[] | undefined {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 4 !== 0) return undefined;
  const values = new Array<number>(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readFloatLE(i * 4);
  return values;
}
