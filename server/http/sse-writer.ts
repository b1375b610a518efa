import { h2Stream, responseClosed } from "./client-gone.ts";
import type { AnyResponse } from "./cors.ts";

/**
 * Writes Server-Sent Events with backpressure. It cannot emit a malformed
 * frame: multi-line data is split across `data:` lines. When the socket is
 * full it waits for `drain` or `close` (never `drain` alone, which would hang
 * forever on a vanished client). On HTTP/2 the compat response may already
 * have emitted its 'close' when a reset stream refuses the write, so it also
 * checks and watches the stream itself.
 */
export class SseWriter {
  readonly #res: AnyResponse;

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

  /** Sends `data:` events in one write; resolves when the socket can take more. */
  async data(payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return;
    if (this.#res.write(frames(payloads))) return;
    await writableOrGone(this.#res);
  }

  /** Sends the last events and ends the stream, in one write. */
  end(payloads: readonly string[] = []): void {
    if (this.#res.writableEnded || this.#res.destroyed) return;
    if (payloads.length === 0) this.#res.end();
    else this.#res.end(frames(payloads));
  }
}

/** `data:` frames for payloads; a payload with newlines is split across `data:` lines, never left malformed. */
function frames(payloads: readonly string[]): string {
  let out = "";
  for (const payload of payloads) {
    out += payload.includes("\n")
      ? `data: ${payload.split("\n").join("\ndata: ")}\n\n`
      : `data: ${payload}\n\n`;
  }
  return out;
}

/**
 * Resolves when the response drains, or when it can carry nothing more: the
 * socket closed, or the HTTP/2 stream closed, was reset or was aborted. A
 * response already closed resolves at once, since its events are in the past.
 */
function writableOrGone(res: AnyResponse): Promise<void> {
  if (responseClosed(res)) return Promise.resolve();
  const stream = h2Stream(res);
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      stream?.off("close", done);
      stream?.off("aborted", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
    stream?.once("close", done);
    stream?.once("aborted", done);
  });
}
