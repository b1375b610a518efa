import { createParser, type EventSourceParser } from "eventsource-parser";
import { DEFAULT_MAX_EVENT_BYTES, responseTooLarge } from "./body-limits.ts";
import { type Framer, type FramerFactory, STREAMING } from "./framer.ts";

/**
 * Pushes the `data` of each Server-Sent Event of an upstream body to
 * `deliver`, decoding UTF-8 across chunk boundaries. The parsing is
 * eventsource-parser's, which is synchronous, so an event reaches the
 * adapter's mapper in the same turn as its bytes. Every SSE-speaking adapter
 * reads its stream through this framer, so the provider's `max_event_bytes`
 * holds for all of them: an event (or a line that never ends) longer than
 * that throws `upstream_response_too_large` from `feed`, after the events
 * before it were delivered. The parser's buffer cap catches an event growing
 * across chunks; the length check on each event catches one that arrived
 * whole inside a single chunk. Both count decoded characters, which is the
 * byte count for ASCII and never more than it. An event left unterminated at
 * the end of the body is dropped, as the SSE specification says.
 */
export const sseFramer: FramerFactory = (limits, deliver) => new SseFramer(limits, deliver);

class SseFramer implements Framer {
  readonly #parser: EventSourceParser;
  readonly #decoder = new TextDecoder();

  constructor(limits: Parameters<FramerFactory>[0], deliver: (payload: string) => void) {
    const provider = limits?.provider ?? "upstream";
    const max = limits?.eventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.#parser = createParser({
      maxBufferSize: max,
      onEvent: (event) => {
        if (event.data.length > max) throw responseTooLarge(provider, "event", max);
        deliver(event.data);
      },
      onError: (error) => {
        if (error.type === "max-buffer-size-exceeded") throw responseTooLarge(provider, "event", max);
      },
    });
  }

  feed(bytes: Uint8Array): void {
    this.#parser.feed(this.#decoder.decode(bytes, STREAMING));
  }

  end(): void {
    const rest = this.#decoder.decode();
    if (rest !== "") this.#parser.feed(rest);
  }
}
