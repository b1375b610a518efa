import { writableOrGone } from "../../http/client-gone.ts";
import type { AnyResponse } from "../../http/cors.ts";

/**
 * Writes a stream as one JSON array, element by element, the way
 * streamGenerateContent answers without `alt=sse`: `[` before the first
 * chunk, `,` between chunks, `]` at the end. The same queue / flush /
 * writable / end contract as SseWriter, so one sink drives either.
 */
export class JsonArrayWriter {
  readonly #res: AnyResponse;
  #pending = "";
  #started = false;

  constructor(res: AnyResponse) {
    this.#res = res;
  }

  /** Sets the status and headers; call once before the first chunk. */
  open(headers: Record<string, string>): void {
    this.#res.writeHead(200, {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-cache",
      ...headers,
    });
  }

  queue(payloads: readonly string[]): void {
    for (let i = 0; i < payloads.length; i++) {
      this.#pending += (this.#started ? ",\r\n" : "[") + payloads[i];
      this.#started = true;
    }
  }

  flush(): boolean {
    if (this.#pending === "") return true;
    const out = this.#pending;
    this.#pending = "";
    return this.#res.write(out);
  }

  writable(): Promise<void> {
    return writableOrGone(this.#res);
  }

  end(payloads: readonly string[] = []): void {
    this.queue(payloads);
    const out = `${this.#pending}${this.#started ? "]" : "[]"}`;
    this.#pending = "";
    if (this.#res.writableEnded || this.#res.destroyed) return;
    this.#res.end(out);
  }
}
