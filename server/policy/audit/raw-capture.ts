import type { TokenUsage } from "../../../gen/llmgw/v1/usage_pb.js";
import type { GatewayError } from "../../errors/gateway-error.ts";
import type { ByteSink, RawBody } from "../../providers/passthrough/passthrough.ts";

/** The most of a pass-through answer the audit keeps; the rest is counted, not stored. */
export const MAX_CAPTURED_BYTES = 1_048_576;

/**
 * A pass-through answer's body with a copy of its bytes kept for the audit
 * log (up to `MAX_CAPTURED_BYTES`), as they pass on to the caller: a tee,
 * never a buffer in front of the caller. One array push per chunk.
 */
export class RawCapture implements RawBody, ByteSink {
  readonly #inner: RawBody;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #seen = 0;
  #sink: ByteSink | undefined;

  constructor(inner: RawBody) {
    this.#inner = inner;
  }

  get usage(): TokenUsage | undefined {
    return this.#inner.usage;
  }

  /** The bytes kept, as text, with a note of how many were not. */
  text(): string {
    const body = Buffer.concat(this.#chunks).toString("utf8");
    const left = this.#seen - this.#kept;
    return left > 0 ? `${body}\n[audit: ${left} more bytes not stored]` : body;
  }

  start(sink: ByteSink): void {
    this.#sink = sink;
    this.#inner.start(this);
  }

  pause(): void {
    this.#inner.pause();
  }

  resume(): void {
    this.#inner.resume();
  }

  cancel(reason: Error): void {
    this.#inner.cancel(reason);
  }

  /** @private */
  chunk(bytes: Buffer): void {
    this.#seen += bytes.length;
    if (this.#kept < MAX_CAPTURED_BYTES) {
      const room = MAX_CAPTURED_BYTES - this.#kept;
      const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
      this.#chunks.push(kept);
      this.#kept += kept.length;
    }
    (this.#sink as ByteSink).chunk(bytes);
  }

  /** @private */
  end(): void {
    (this.#sink as ByteSink).end();
  }

  /** @private */
  fail(error: GatewayError): void {
    (this.#sink as ByteSink).fail(error);
  }
}
