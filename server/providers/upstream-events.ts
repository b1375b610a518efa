import type { GatewayError } from "../errors/gateway-error.ts";
import type { UpstreamCall } from "./adapter.ts";
import type { BodyReader, UpstreamBody } from "./dispatch-stream.ts";
import type { EventSink, EventStream, StreamMapper } from "./event-stream.ts";
import type { Framer, FramerFactory } from "./framer.ts";
import { upstreamNetworkError } from "./upstream-error.ts";

/**
 * A streamed upstream answer as canonical events, pushed: each body chunk
 * is framed (SSE or NDJSON) and mapped by the adapter synchronously, inside
 * undici's data callback, and the sink flushes once per socket read (the
 * chunks undici hands over in one go), so a burst of events costs one write. Whatever
 * fails on the way (a drop, a timeout, a cap, a malformed or error payload,
 * the caller's cancel) stops the upstream and reaches the sink once, as a
 * GatewayError; a consumer that leaves early aborts the upstream at once.
 */
export class UpstreamEvents implements EventStream, BodyReader {
  readonly #provider: string;
  readonly #body: UpstreamBody;
  readonly #call: UpstreamCall;
  readonly #mapper: StreamMapper;
  readonly #framer: Framer;
  #sink: EventSink | undefined;
  /** The mapper said it was done; later payloads are ignored. */
  #finished = false;
  /** The sink has heard its end (or failure), or the consumer left. */
  #closed = false;
  /** A flush is due once the chunks at hand have been read. */
  #flushing = false;

  constructor(
    provider: string,
    body: UpstreamBody,
    call: UpstreamCall,
    mapper: StreamMapper,
    framing: FramerFactory,
  ) {
    this.#provider = provider;
    this.#body = body;
    this.#call = call;
    this.#mapper = mapper;
    this.#framer = framing(body.limits, (payload) => this.#payload(payload));
  }

  start(sink: EventSink): void {
    this.#sink = sink;
    this.#body.read(this);
  }

  pause(): void {
    this.#body.pause();
  }

  resume(): void {
    this.#body.resume();
  }

  cancel(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#body.destroy(reason);
  }

  /** @private The body's reader side. */
  chunk(bytes: Buffer): void {
    if (this.#closed || this.#finished) return;
    try {
      this.#framer.feed(bytes);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (this.#finished) this.#finish();
    else if (!this.#flushing) {
      // undici hands over each HTTP chunk of one socket read in turn, synchronously: flush once they all have been.
      this.#flushing = true;
      queueMicrotask(this.#flush);
    }
  }

  readonly #flush = (): void => {
    this.#flushing = false;
    if (!this.#closed) this.#sink?.flush();
  };

  /** @private The body's reader side. */
  end(error: Error | undefined): void {
    if (this.#closed || this.#finished) return;
    if (error !== undefined) {
      this.#fail(error);
      return;
    }
    try {
      this.#framer.end();
    } catch (failure) {
      this.#fail(failure);
      return;
    }
    this.#finish();
  }

  #payload(payload: string): void {
    if (this.#finished || this.#closed) return;
    if (this.#mapper.data(payload, this.#sink as EventSink)) this.#finished = true;
  }

  /** The upstream is done: the closing events, then the end. The rest of the body is read and dropped. */
  #finish(): void {
    this.#finished = true;
    this.#body.discard();
    const sink = this.#sink as EventSink;
    let closing: Promise<void> | undefined;
    try {
      closing = this.#mapper.end(sink);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (closing === undefined) this.#close(sink);
    else {
      // The events so far need not wait for the usage estimate.
      sink.flush();
      closing.then(
        () => this.#close(sink),
        (error: unknown) => this.#fail(error),
      );
    }
  }

  #close(sink: EventSink): void {
    if (this.#closed) return;
    this.#closed = true;
    sink.end();
  }

  #fail(error: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#body.destroy();
    const failure: GatewayError = upstreamNetworkError(this.#provider, error, this.#call.signal);
    this.#sink?.fail(failure);
  }
}
