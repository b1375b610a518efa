import type { IncomingMessage } from "node:http";
import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";

/**
 * The request type handlers see. HTTP/2 compat requests are handed over as
 * this type too: every member the handlers use exists on both.
 */
export type AnyRequest = IncomingMessage;

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over
 * the limit is refused before reading; a body that grows past it is cut off.
 * Either way the caller gets `payload_too_large` (413 / ResourceExhausted).
 */
export async function readBody(req: AnyRequest, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes a JSON body strictly: invalid UTF-8 and malformed JSON are both the caller's error, said clearly. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw invalidRequest("the request body is empty; send a JSON object");
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalidRequest("the request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError("payload_too_large", `the request body is larger than the ${limit}-byte limit`);
}
