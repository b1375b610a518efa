import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";

/**
 * The gRPC frame (flags byte, length, message) of a stream event that is text and nothing else, the
 * bulk of every streamed answer, written straight into one buffer. The codec's general encoder
 * allocates a growing writer, copies its result out and is then copied into the frame, per token;
 * this one measures the two strings and writes the bytes once. The bytes are the codec's: fields in
 * number order (id 1, choice_index 2, delta 3 with text 1), zero values left out, the oneof written even
 * when empty, lone surrogates as U+FFFD (a test compares both on many events). Any other event, or
 * one carrying unknown fields, is `undefined`: the caller encodes it with the codec.
 */
export function textDeltaFrame(event: StreamResponse): Buffer | undefined {
  if (event.event.case !== "delta" || event.$unknown !== undefined) return undefined;
  const delta = event.event.value;
  if (
    delta.$unknown !== undefined ||
    delta.reasoning !== "" ||
    delta.refusal !== "" ||
    delta.reasoningSignature !== "" ||
    delta.redactedReasoning !== ""
  ) {
    return undefined;
  }
  const idBytes = Buffer.byteLength(event.id);
  const textBytes = Buffer.byteLength(delta.text);
  const inner = textBytes === 0 ? 0 : 1 + varintSize(textBytes) + textBytes;
  const size =
    (idBytes === 0 ? 0 : 1 + varintSize(idBytes) + idBytes) +
    (event.choiceIndex === 0 ? 0 : 1 + varintSize(event.choiceIndex)) +
    1 +
    varintSize(inner) +
    inner;
  const out = Buffer.allocUnsafe(5 + size);
  out[0] = 0;
  out.writeUInt32BE(size, 1);
  let at = 5;
  if (idBytes !== 0) {
    out[at++] = 0x0a; // field 1, length-delimited
    at = writeVarint(out, at, idBytes);
    at += out.write(event.id, at, "utf8");
  }
  if (event.choiceIndex !== 0) {
    out[at++] = 0x10; // field 2, varint
    at = writeVarint(out, at, event.choiceIndex);
  }
  out[at++] = 0x1a; // field 3, length-delimited
  at = writeVarint(out, at, inner);
  if (textBytes !== 0) {
    out[at++] = 0x0a; // ContentDelta field 1, length-delimited
    at = writeVarint(out, at, textBytes);
    out.write(delta.text, at, "utf8");
  }
  return out;
}

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value >>> 7; rest !== 0; rest >>>= 7) size++;
  return size;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  let rest = value >>> 0;
  while (rest > 0x7f) {
    out[at++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  out[at++] = rest;
  return at;
}
