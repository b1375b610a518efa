import { DEFAULT_MAX_EVENT_BYTES, responseTooLarge } from "../body-limits.ts";
import { type Framer, type FramerFactory, STREAMING } from "../framer.ts";

/**
 * Splits a byte stream into newline-delimited JSON lines, pushing each to
 * `deliver` as soon as its newline arrives. Chunk boundaries fall anywhere
 * (mid-line, mid-UTF-8 sequence), so text is decoded in streaming mode and a
 * partial line waits for the next chunk; `\r\n` endings and blank lines are
 * tolerated, and a last line without a newline is still delivered by `end`.
 * A line longer than the provider's `max_event_bytes` (counted in decoded
 * characters, as the SSE framer does) throws `upstream_response_too_large`
 * as soon as it is seen, ended or not, so an upstream that never sends a
 * newline cannot balloon memory.
 */
export const ndjsonFramer: FramerFactory = (limits, deliver) => new NdjsonFramer(limits, deliver);

class NdjsonFramer implements Framer {
  readonly #provider: string;
  readonly #max: number;
  readonly #deliver: (payload: string) => void;
  readonly #decoder = new TextDecoder();
  #buffer = "";

  constructor(limits: Parameters<FramerFactory>[0], deliver: (payload: string) => void) {
    this.#provider = limits?.provider ?? "upstream";
    this.#max = limits?.eventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.#deliver = deliver;
  }

  feed(bytes: Uint8Array): void {
    const text = this.#decoder.decode(bytes, STREAMING);
    const buffer = this.#buffer === "" ? text : this.#buffer + text;
    this.#buffer = "";
    let start = 0;
    let end = buffer.indexOf("\n");
    while (end >= 0) {
      if (end - start > this.#max) throw responseTooLarge(this.#provider, "event", this.#max);
      const line = buffer.slice(start, end).trim();
      if (line !== "") this.#deliver(line);
      start = end + 1;
      end = buffer.indexOf("\n", start);
    }
    const rest = start === 0 ? buffer : buffer.slice(start);
    if (rest.length > this.#max) throw responseTooLarge(this.#provider, "event", this.#max);
    this.#buffer = rest;
  }

  end(): void {
    const last = (this.#buffer + this.#decoder.decode()).trim();
    this.#buffer = "";
    if (last !== "") this.#deliver(last);
  }
}
