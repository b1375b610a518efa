import type { AnyResponse } from "./cors.ts";

/**
 * Writes Server-Sent Events with backpressure. It cannot emit a malformed
 * frame: multi-line data is split across `data:` lines. When the socket is
 * full it waits for `drain` or `close` (never `drain` alone, which would hang
 * forever on a vanished client).
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
    if (this.#res.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#res.off("drain", done);
        this.#res.off("close", done);
        resolve();
      };
      this.#res.once("drain", done);
      this.#res.once("close", done);
    });
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
