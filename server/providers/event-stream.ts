import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { GatewayError } from "../errors/gateway-error.ts";

/**
 * Where a streamed answer's canonical events are pushed. Every call is
 * synchronous, so an upstream chunk travels from undici's callback through
 * framing, mapping, the end hooks and the surface's renderer in one turn,
 * with no promise or generator per event.
 */
export interface EventSink {
  /** One event. */
  event(event: StreamResponse): void;
  /**
   * The events so far are all there is for now (one upstream chunk is
   * done): the moment for a surface to write what it has gathered, in one write.
   */
  flush(): void;
  /** The stream ended after its usage report; nothing follows. */
  end(): void;
  /** The stream failed; nothing follows. */
  fail(error: GatewayError): void;
}

/**
 * A streamed answer that pushes its events to one sink. Flow control runs
 * the other way: a sink that cannot keep up calls `pause` (the upstream
 * socket stops being read) and `resume` when it can take more; events of a
 * chunk already being read may still arrive after `pause`.
 */
export interface EventStream {
  /** Starts the flow; call once. Events may arrive before it returns. */
  start(sink: EventSink): void;
  pause(): void;
  resume(): void;
  /** The consumer has gone: stop the upstream at once. The sink hears nothing more. */
  cancel(reason: Error): void;
}

/**
 * An adapter's translation of its upstream's stream payloads (SSE `data`,
 * NDJSON lines) into canonical events, pushed into a sink as they are read.
 * It keeps only the state the wire format needs across payloads.
 */
export interface StreamMapper {
  /**
   * Maps one payload, emitting its events. Throws a GatewayError for a
   * malformed payload or an error the upstream reports after its 200.
   * Returns true once the upstream said it is done (later payloads are
   * ignored, and the stream closes without waiting for the body's end).
   */
  data(payload: string, sink: EventSink): boolean;
  /**
   * The body ended (or the mapper said it was done): checks that every
   * choice finished (throwing `upstream_error` when one did not) and emits
   * the closing events, ending with the UsageReport. It returns a promise
   * only when it must estimate the usage.
   */
  end(sink: EventSink): Promise<void> | undefined;
}
