import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { type BodyLimits, responseTooLarge } from "./body-limits.ts";

/** How many chunks may wait unread before the upstream socket is paused. */
const HIGH_WATER = 32;

/**
 * An upstream response body fed by undici's dispatch callbacks: an async
 * iterable of chunks with backpressure (the upstream is paused while the
 * consumer lags) and its provider's limits, which the stream framers
 * (sse-data.ts, ndjson-lines.ts) enforce. It replaces `request()`'s Readable
 * and its async iterator on the streaming path, where every chunk paid for both.
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  readonly limits: BodyLimits;
  readonly #queue: Buffer[] = [];
  #controller: Dispatcher.DispatchController | undefined;
  #wake: (() => void) | undefined;
  #error: Error | undefined;
  #ended = false;

  constructor(limits: BodyLimits) {
    this.limits = limits;
  }

  /** True once the upstream finished the body, failed, or was cut off. */
  get ended(): boolean {
    return this.#ended;
  }

  /** @private Called by dispatchStream. */
  attach(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  /** @private Called by dispatchStream. */
  push(chunk: Buffer): void {
    this.#queue.push(chunk);
    if (this.#queue.length >= HIGH_WATER) this.#controller?.pause();
    this.#notify();
  }

  /** @private Called by dispatchStream. */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#notify();
  }

  /** Stops the upstream response; the iteration ends. (The Error is made only when needed: it costs a stack trace.) */
  destroy(reason?: Error): void {
    if (this.#ended) return;
    this.#controller?.abort(reason ?? new Error("the gateway stopped reading the upstream body"));
    this.end();
    this.#queue.length = 0;
  }

  /**
   * The rest of the body as text. An error answer is cut at `limit` bytes; a
   * 2xx answer (`whole`) over `limits.responseBytes` stops the upstream and
   * throws `upstream_response_too_large`, since half an answer is no answer.
   */
  async text(limit = Number.POSITIVE_INFINITY, whole = false): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this) {
      if (whole && size + chunk.length > this.limits.responseBytes) {
        const error = responseTooLarge(this.limits.provider, "answer", this.limits.responseBytes);
        this.destroy(error);
        throw error;
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        this.destroy();
        break;
      }
    }
    const text = Buffer.concat(chunks, size).toString("utf8");
    return size > limit ? text.slice(0, limit) : text;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        const chunk = this.#queue.shift();
        if (chunk !== undefined) {
          if (this.#controller?.paused && this.#queue.length < HIGH_WATER / 2) this.#controller.resume();
          yield chunk;
          continue;
        }
        if (this.#error !== undefined) throw this.#error;
        if (this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      // A consumer that stops early must not leave the upstream running.
      this.destroy();
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** An upstream answer whose body is still arriving. */
export interface StreamAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: UpstreamBody;
}

/**
 * Sends one request through undici's dispatch API and resolves as soon as
 * the response headers arrive; the body follows through `body`, carrying
 * `limits` for whoever frames it. Aborting
 * `signal` aborts the request, before or after the headers.
 */
export function dispatchStream(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal,
  limits: BodyLimits,
): Promise<StreamAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const body = new UpstreamBody(limits);
    let controller: Dispatcher.DispatchController | undefined;
    let started = false;
    const onAbort = () => controller?.abort(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => signal.removeEventListener("abort", onAbort);
    dispatcher.dispatch(options, {
      onRequestStart(c) {
        controller = c;
        body.attach(c);
        if (signal.aborted) c.abort(signal.reason as Error);
      },
      onResponseStart(_c, statusCode, headers) {
        started = true;
        resolve({ statusCode, headers, body });
      },
      onResponseData(_c, chunk) {
        body.push(chunk);
      },
      onResponseEnd() {
        settle();
        body.end();
      },
      onResponseError(_c, error) {
        settle();
        if (started) body.end(error);
        else reject(error);
      },
    });
  });
}
