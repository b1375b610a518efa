import { DEFAULT_MAX_EVENT_BYTES, type FramedBody, responseTooLarge } from "../body-limits.ts";

/**
 * Splits a byte stream into newline-delimited JSON lines. Chunk boundaries
 * fall anywhere (mid-line, mid-UTF-8 sequence), so text is decoded in
 * streaming mode and a partial line waits for the next chunk; `\r\n` endings
 * and blank lines are tolerated, and a last line without a newline is still
 * yielded. A line longer than the provider's `max_event_bytes` (counted in
 * decoded characters, as sse-data.ts does) throws
 * `upstream_response_too_large` as soon as it is seen, ended or not, so an
 * upstream that never sends a newline cannot balloon memory.
 */
export async function* ndjsonLines(provider: string, body: FramedBody): AsyncGenerator<string> {
  const max = body.limits?.eventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let start = 0;
    let end = buffer.indexOf("\n");
    while (end >= 0) {
      if (end - start > max) throw responseTooLarge(provider, "event", max);
      const line = buffer.slice(start, end).trim();
      if (line !== "") yield line;
      start = end + 1;
      end = buffer.indexOf("\n", start);
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    if (buffer.length > max) throw responseTooLarge(provider, "event", max);
  }
  const last = (buffer + decoder.decode()).trim();
  if (last !== "") yield last;
}
