import type { SseWriter } from "../http/sse-writer.ts";
import type { EventStream } from "../providers/event-stream.ts";

/**
 * Flow control between a pushed event stream and an SSE response: each
 * `flush` writes what the surface queued in one write, and when the socket
 * is full the stream is paused (so the upstream socket is too) until the
 * response drains or closes. Once `ended` is set it is never resumed.
 */
export class SseFlow {
  readonly #events: EventStream;
  readonly #sse: SseWriter;
  #waiting = false;
  /** The surface has sent its last event. */
  ended = false;

  constructor(events: EventStream, sse: SseWriter) {
    this.#events = events;
    this.#sse = sse;
  }

  flush(): void {
    if (this.#sse.flush() || this.#waiting) return;
    this.#waiting = true;
    this.#events.pause();
    void this.#sse.writable().then(() => {
      this.#waiting = false;
      if (!this.ended) this.#events.resume();
    });
  }
}
