import type { Readable } from "node:stream";

/**
 * Reads at most `limit` bytes of an upstream body (an error answer), so a
 * hostile or broken upstream cannot balloon the gateway's memory.
 */
export async function readLimited(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, limit);
}
