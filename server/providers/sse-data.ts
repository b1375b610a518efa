import { createParser } from "eventsource-parser";
import { DEFAULT_MAX_EVENT_BYTES, type FramedBody, responseTooLarge } from "./body-limits.ts";

/**
 * Yields the `data` of each Server-Sent Event of an upstream body, decoding
 * UTF-8 across chunk boundaries. The parsing is eventsource-parser's; every
 * SSE-speaking adapter reads its stream through this one function, so the
 * provider's `max_event_bytes` holds for all of them: an event (or a line
 * that never ends) longer than that throws `upstream_response_too_large`,
 * and the caller's `finally` stops the upstream. The parser's own buffer cap
 * catches an event growing across chunks; the length check on each event
 * catches one that arrived whole inside a single chunk. Both count decoded
 * characters, which is the byte count for ASCII and never more than it.
 */
export async function* sseData(body: FramedBody): AsyncGenerator<string> {
  const provider = body.limits?.provider ?? "upstream";
  const max = body.limits?.eventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const pending: string[] = [];
  let overflow = false;
  const parser = createParser({
    maxBufferSize: max,
    onEvent: (event) => {
      if (event.data.length > max) overflow = true;
      else pending.push(event.data);
    },
    onError: (error) => {
      if (error.type === "max-buffer-size-exceeded") overflow = true;
    },
  });
  const decoder = new TextDecoder();
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    for (const data of pending) yield data;
    pending.length = 0;
    if (overflow) throw responseTooLarge(provider, "event", max);
  }
}
