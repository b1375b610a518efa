import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { GatewayError } from "../../errors/gateway-error.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";

/**
 * A missed stream as the cache's `next` returned it, each event shown to
 * `watch` before it is handed on. The cache keeps what the upstream said,
 * not what the caller got: the end hooks' `onEvent` sees the events after
 * the outer policies (the guards' round trip puts one caller's redacted
 * values back in them), and an entry shared by other callers must hold the
 * placeholders, which each caller's own restore then fills in.
 */
export class CacheTee implements EventStream, EventSink {
  readonly #inner: EventStream;
  readonly #watch: (event: StreamResponse) => void;
  #sink: EventSink | undefined;

  constructor(inner: EventStream, watch: (event: StreamResponse) => void) {
    this.#inner = inner;
    this.#watch = watch;
  }

  start(sink: EventSink): void {
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
  event(event: StreamResponse): void {
    this.#watch(event);
    (this.#sink as EventSink).event(event);
  }

  /** @private */
  flush(): void {
    (this.#sink as EventSink).flush();
  }

  /** @private */
  end(): void {
    (this.#sink as EventSink).end();
  }

  /** @private */
  fail(error: GatewayError): void {
    (this.#sink as EventSink).fail(error);
  }
}
