import type { GatewayError } from "../../errors/gateway-error.ts";
import { writableOrGone } from "../../http/client-gone.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { ByteSink, RawBody } from "../../providers/passthrough/passthrough.ts";

/**
 * Sends a pass-through answer: the upstream's status and allowed headers,
 * then its bytes as they arrive, each chunk in one write, with nothing added
 * or held back. A stream's headers leave at once, as the upstream sent them;
 * a full socket pauses the upstream until it drains or closes. A body that
 * fails after its headers cannot be told in the upstream's own bytes, so the
 * connection is cut, which every client reports as an error; never an
 * ending that looks complete. Resolves when the response is over.
 */
export function sendRaw(
  res: AnyResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: RawBody,
): Promise<void> {
  res.writeHead(status, headers);
  const type = headers["content-type"];
  if (typeof type === "string" && type.startsWith("text/event-stream")) res.flushHeaders();
  return new Promise((resolve) => body.start(new RawWriter(res, body, resolve)));
}

class RawWriter implements ByteSink {
  readonly #res: AnyResponse;
  readonly #body: RawBody;
  readonly #done: () => void;
  #waiting = false;
  #ended = false;

  constructor(res: AnyResponse, body: RawBody, done: () => void) {
    this.#res = res;
    this.#body = body;
    this.#done = done;
  }

  chunk(bytes: Buffer): void {
    if (this.#res.write(bytes) || this.#waiting) return;
    this.#waiting = true;
    this.#body.pause();
    void writableOrGone(this.#res).then(this.#writable);
  }

  readonly #writable = (): void => {
    this.#waiting = false;
    if (!this.#ended) this.#body.resume();
  };

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#res.writableEnded) this.#res.end();
    this.#done();
  }

  fail(_error: GatewayError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#res.destroy();
    this.#done();
  }
}
