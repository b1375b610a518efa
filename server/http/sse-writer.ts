import { writableOrGone } from "./client-gone.ts";
import type { AnyResponse } from "./cors.ts";

/**
 * Writes Server-Sent Events with backpressure. It cannot emit a malformed
 * frame: multi-line data is split across `data:` lines. Events are queued
 * and leave together at `flush`, so the events of one upstream chunk cost
 * one write. When the socket is full, `writable` waits for `drain` or
 * `close` (never `drain` alone, which would hang forever on a vanished
 * client). On HTTP/2 the compat response may already have emitted its
 * 'close' when a reset stream refuses the write, so it also checks and
 * watches the stream itself.
 */
export class SseWriter {
  readonly #res: AnyResponse;
  #pending = "";

  constructor(res: AnyResponse) {
    this.#res = res;
  }

  /** Sets the status and headers; call once before the first event. */
  open(headers: Record<string, string>): void {
    this.#res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
      ...headers,
    });
    // No flushHeaders(): the headers leave with the first event in one write, which
    // saves a syscall before the first byte. A caller therefore sees the status when
    // the first token (or an early error event) is ready, as with most upstreams.
  }

  /** Adds `data:` events to the next write. */
  queue(payloads: readonly string[]): void {
    for (let i = 0; i < payloads.length; i++) this.#pending += frame(payloads[i] as string);
  }

  /**
   * Adds one named event (`event: <name>`) to the next write. The name comes
   * from the surface's own constants; one with a line break would forge
   * frames, so it is refused.
   */
  queueEvent(name: string, payload: string): void {
    if (/[\r\n]/.test(name))
      throw new Error(`an SSE event name cannot hold a line break: ${JSON.stringify(name)}`);
    this.#pending += `event: ${name}\n${frame(payload)}`;
  }

  /** Writes the queued events in one write; false when the socket is full (then wait for `writable`). */
  flush(): boolean {
    if (this.#pending === "") return true;
    const out = this.#pending;
    this.#pending = "";
    return this.#res.write(out);
  }

  /**
   * Resolves when the response drains, or when it can carry nothing more: the
   * socket closed, or the HTTP/2 stream closed, was reset or was aborted. A
   * response already closed resolves at once, since its events are in the past.
   */
  writable(): Promise<void> {
    return writableOrGone(this.#res);
  }

  /** Sends what is queued, then the last events, and ends the stream, in one write. */
  end(payloads: readonly string[] = []): void {
    this.queue(payloads);
    const out = this.#pending;
    this.#pending = "";
    if (this.#res.writableEnded || this.#res.destroyed) return;
    if (out === "") this.#res.end();
    else this.#res.end(out);
  }
}

/** A `data:` frame; a payload with newlines is split across `data:` lines, never left malformed. */
function frame(payload: string): string {
  return payload.includes("\n")
    ? `data: ${payload.split("\n").join("\ndata: ")}\n\n`
    : `data: ${payload}\n\n`;
}
