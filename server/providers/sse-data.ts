import { createParser } from "eventsource-parser";

/**
 * Yields the `data` of each Server-Sent Event of an upstream body, decoding
 * UTF-8 across chunk boundaries. The parsing is eventsource-parser's; every
 * SSE-speaking adapter reads its stream through this one function.
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const pending: string[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event.data) });
  const decoder = new TextDecoder();
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    for (const data of pending) yield data;
    pending.length = 0;
  }
}
