import type { JsonObject } from "@bufbuild/protobuf";
import type { StreamResponse } from "../../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../../core/call.ts";
import { GatewayError } from "../../../errors/gateway-error.ts";
import type { SseWriter } from "../../../http/sse-writer.ts";
import type { EventSink, EventStream } from "../../../providers/event-stream.ts";
import { SseFlow } from "../../sse-flow.ts";
import type { ResponseEvents } from "./response-events.ts";

/**
 * Sends a pushed stream as Responses SSE events and resolves when the
 * response has ended. Each upstream chunk's events leave in one write; a
 * full socket pauses the stream until it drains or closes. At the end the
 * response is stored (when `persist` is given) before `response.completed`
 * leaves, so a caller that continues at once finds it; a failure, of the
 * stream or of the store, ends it with `error` and `response.failed`.
 */
export function sendResponseEvents(
  events: EventStream,
  call: Call,
  renderer: ResponseEvents,
  sse: SseWriter,
  persist: ((response: JsonObject) => Promise<void>) | undefined,
): Promise<void> {
  return new Promise((resolve) =>
    events.start(new ResponsesSink(events, call, renderer, sse, persist, resolve)),
  );
}

class ResponsesSink implements EventSink {
  readonly #flow: SseFlow;
  readonly #call: Call;
  readonly #renderer: ResponseEvents;
  readonly #sse: SseWriter;
  readonly #persist: ((response: JsonObject) => Promise<void>) | undefined;
  readonly #done: () => void;
  #usage: StreamResponse | undefined;

  constructor(
    events: EventStream,
    call: Call,
    renderer: ResponseEvents,
    sse: SseWriter,
    persist: ((response: JsonObject) => Promise<void>) | undefined,
    done: () => void,
  ) {
    this.#flow = new SseFlow(events, sse);
    this.#call = call;
    this.#renderer = renderer;
    this.#sse = sse;
    this.#persist = persist;
    this.#done = done;
  }

  event(event: StreamResponse): void {
    if (event.event.case === "usage") this.#usage = event;
    else this.#renderer.event(event);
  }

  flush(): void {
    this.#flow.flush();
  }

  end(): void {
    // A deadline (or a vanished client) that fired while the last events were on their way still wins.
    const signal = this.#call.signal;
    if (signal.aborted) {
      this.fail(GatewayError.from(signal.reason));
      return;
    }
    if (this.#usage === undefined) {
      this.fail(new GatewayError("upstream_error", "the stream ended without its usage report"));
      return;
    }
    const response = this.#renderer.finished(this.#usage);
    if (this.#persist === undefined) {
      this.#renderer.complete(response);
      this.#close();
      return;
    }
    this.#flow.ended = true;
    this.#persist(response).then(
      () => {
        this.#renderer.complete(response);
        this.#finish();
      },
      (error: unknown) => {
        this.#renderer.fail(storeFailure(error));
        this.#finish();
      },
    );
  }

  fail(error: GatewayError): void {
    if (this.#flow.ended) return;
    this.#renderer.fail(error);
    this.#close();
  }

  #close(): void {
    if (this.#flow.ended) return;
    this.#flow.ended = true;
    this.#finish();
  }

  #finish(): void {
    this.#sse.end();
    this.#done();
  }
}

/** A response that could not be stored: the caller asked for `store`, so it is told rather than left to a later 404. */
export function storeFailure(error: unknown): GatewayError {
  return new GatewayError("unavailable", "the response could not be stored; retry, or send store: false", {
    cause: error,
  });
}
