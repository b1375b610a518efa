import { GatewayError } from "../../errors/gateway-error.ts";

/** The longest line we buffer, so an upstream that never sends a newline cannot balloon memory. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Splits a byte stream into newline-delimited JSON lines. Chunk boundaries
 * fall anywhere (mid-line, mid-UTF-8 sequence), so text is decoded in
 * streaming mode and a partial line waits for the next chunk; `\r\n` endings
 * and blank lines are tolerated, and a last line without a newline is still
 * yielded.
 */
export async function* ndjsonLines(
  provider: string,
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let start = 0;
    let end = buffer.indexOf("\n");
    while (end >= 0) {
      const line = buffer.slice(start, end).trim();
      if (line !== "") yield line;
      start = end + 1;
      end = buffer.indexOf("\n", start);
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    if (buffer.length > MAX_LINE_CHARS) {
      throw new GatewayError("upstream_error", `upstream ${provider} sent a stream line that is too long`, {
        provider,
      });
    }
  }
  const last = (buffer + decoder.decode()).trim();
  if (last !== "") yield last;
}
