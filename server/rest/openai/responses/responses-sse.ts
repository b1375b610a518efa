import type { JsonObject } from "@bufbuild/protobuf";
import type { StreamResponse } from "../../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../../core/call.ts";
import { GatewayError } from "../../../errors/gateway-error.ts";
import type { SseWriter } from "../../../http/sse-writer.ts";
import type { EventStream } from "../../../providers/event-stream.ts";
import { type StreamFrames, sendStream } from "../../stream-sink.ts";
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
  return sendStream(events, call, new ResponsesFrames(renderer, persist), sse);
}

class ResponsesFrames implements StreamFrames {
  readonly #renderer: ResponseEvents;
  readonly #persist: ((response: JsonObject) => Promise<void>) | undefined;
  #usage: StreamResponse | undefined;

  constructor(renderer: ResponseEvents, persist: ((response: JsonObject) => Promise<void>) | undefined) {
    this.#renderer = renderer;
    this.#persist = persist;
  }

  event(event: StreamResponse): void {
    if (event.event.case === "usage") this.#usage = event;
    else this.#renderer.event(event);
  }

  end(): void | Promise<void> {
    if (this.#usage === undefined) {
      this.#renderer.fail(new GatewayError("upstream_error", "the stream ended without its usage report"));
      return;
    }
    const response = this.#renderer.finished(this.#usage);
    if (this.#persist === undefined) {
      this.#renderer.complete(response);
      return;
    }
    return this.#persist(response).then(
      () => this.#renderer.complete(response),
      (error: unknown) => this.#renderer.fail(storeFailure(error)),
    );
  }

  fail(error: GatewayError): void {
    this.#renderer.fail(error);
  }
}

/** A response that could not be stored: the caller asked for `store`, so it is told rather than left to a later 404. */
export function storeFailure(error: unknown): GatewayError {
  return new GatewayError("unavailable", "the response could not be stored; retry, or send store: false", {
    cause: error,
  });
}
