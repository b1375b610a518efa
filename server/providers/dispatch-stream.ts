import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { type BodyLimits, responseTooLarge } from "./body-limits.ts";

/** How many chunks may wait for a reader that has not started yet before the upstream socket is paused. */
const HIGH_WATER = 32;

/** Where an upstream body's chunks are pushed, as undici hands them over. */
export interface BodyReader {
  chunk(bytes: Buffer): void;
  /** The body ended (`error` undefined) or failed; nothing follows. */
  end(error: Error | undefined): void;
}

/**
 * An upstream response body fed by undici's dispatch callbacks, pushed to
 * one reader. Each chunk goes straight from `onResponseData` to the reader,
 * in the same turn; chunks wait in a queue only until the reader starts or
 * while it has paused the body, and a paused body pauses the upstream socket.
 * It carries its provider's limits, which the stream framers enforce.
 */
export class UpstreamBody {
  readonly limits: BodyLimits;
  readonly #queue: Buffer[] = [];
  #controller: Dispatcher.DispatchController | undefined;
  #reader: BodyReader | undefined;
  #paused = false;
  #ended = false;
  #error: Error | undefined;
  /** Whether the reader has been told of the end (or will never be: the body was destroyed). */
  #closed = false;
  /** Stops the caller's signal from aborting the request (see `discard`). */
  #detachSignal: (() => void) | undefined;

  constructor(limits: BodyLimits) {
    this.limits = limits;
  }

  /** True once the upstream finished the body, failed, or was cut off. */
  get ended(): boolean {
    return this.#ended;
  }

  /** @private Called by dispatchStream. */
  attach(controller: Dispatcher.DispatchController, detachSignal: () => void): void {
    this.#controller = controller;
    this.#detachSignal = detachSignal;
  }

  /** @private Called by dispatchStream for each chunk. */
  push(chunk: Buffer): void {
    if (this.#closed) return;
    const reader = this.#reader;
    if (reader !== undefined && !this.#paused && this.#queue.length === 0) {
      reader.chunk(chunk);
      return;
    }
    this.#queue.push(chunk);
    if (reader === undefined && this.#queue.length >= HIGH_WATER) this.#controller?.pause();
  }

  /**
   * @private Called by dispatchStream. A failure reaches a paused reader at
   * once, without the chunks still queued: the answer is lost anyway, and a
   * reader waiting for a drain that never comes (a deadline, a vanished
   * client) must hear of it now.
   */
  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (error !== undefined) this.#queue.length = 0;
    this.#drain();
  }

  /** Starts pushing to `reader`: first what arrived before, then each chunk as it comes. */
  read(reader: BodyReader): void {
    this.#reader = reader;
    if (!this.#paused) this.#controller?.resume();
    this.#drain();
  }

  /** Stops pushing chunks, and stops reading the upstream socket, until `resume`. */
  pause(): void {
    if (this.#paused || this.#closed) return;
    this.#paused = true;
    this.#controller?.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#drain();
    if (!this.#paused && !this.#ended) this.#controller?.resume();
  }

  /**
   * Reads the rest of the body without looking at it, so that a finished
   * answer's connection goes back to the pool once its last bytes arrive.
   */
  discard(): void {
    // The answer is complete: the call ending now (an RPC's signal fires when it completes) must not
    // abort the request and throw away a connection that is only finishing its last bytes.
    this.#detachSignal?.();
    this.#closed = true;
    this.#queue.length = 0;
    this.#reader = undefined;
    if (this.#paused) {
      this.#paused = false;
      if (!this.#ended) this.#controller?.resume();
    }
  }

  /** Stops the upstream response; the reader hears nothing more. (The Error is made only when needed: it costs a stack trace.) */
  destroy(reason?: Error): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#reader = undefined;
    if (this.#ended) return;
    this.#ended = true;
    this.#controller?.abort(reason ?? new Error("the gateway stopped reading the upstream body"));
  }

  /**
   * The rest of the body as text. An error answer is cut at `limit` bytes; a
   * 2xx answer (`whole`) over `limits.responseBytes` stops the upstream and
   * rejects with `upstream_response_too_large`, since half an answer is no answer.
   */
  text(limit = Number.POSITIVE_INFINITY, whole = false): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const text = Buffer.concat(chunks, size).toString("utf8");
        resolve(size > limit ? text.slice(0, limit) : text);
      };
      this.read({
        chunk: (chunk) => {
          if (whole && size + chunk.length > this.limits.responseBytes) {
            const error = responseTooLarge(this.limits.provider, "answer", this.limits.responseBytes);
            this.destroy(error);
            reject(error);
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
          if (size >= limit) {
            this.destroy();
            done();
          }
        },
        end: (error) => (error === undefined ? done() : reject(error)),
      });
    });
  }

  #drain(): void {
    const queue = this.#queue;
    while (!this.#paused && !this.#closed && queue.length > 0) {
      const reader = this.#reader;
      if (reader === undefined) return;
      reader.chunk(queue.shift() as Buffer);
    }
    const reader = this.#reader;
    if (this.#closed || !this.#ended || reader === undefined) return;
    // A failure does not wait for a paused reader (see `end`); a clean end comes after the last chunk.
    if (this.#error === undefined && (this.#paused || queue.length > 0)) return;
    this.#closed = true;
    this.#reader = undefined;
    reader.end(this.#error);
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
 * `limits` for whoever frames it. Aborting `signal` aborts the request,
 * before or after the headers; after them the body's reader hears of it
 * at once, with the signal's reason.
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
    const onAbort = () => {
      const reason = signal.reason as Error;
      controller?.abort(reason);
      if (started) body.end(reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => signal.removeEventListener("abort", onAbort);
    dispatcher.dispatch(options, {
      onRequestStart(c) {
        controller = c;
        body.attach(c, settle);
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
