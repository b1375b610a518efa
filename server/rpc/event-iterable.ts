import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import type { EventSink, EventStream } from "../providers/event-stream.ts";

/** Events waiting for a slow consumer before the stream (and so the upstream socket) is paused. */
const HIGH_WATER = 64;
/** ...and how few must be left before it resumes. */
const LOW_WATER = 16;

/**
 * A pushed stream as the AsyncIterable connect-node needs for a server
 * stream: the one adapter between the push path and an iterator, at the
 * surface's edge. Events queue while the consumer is busy; past HIGH_WATER
 * the stream is paused until the consumer catches up. The stream starts on
 * the first `next`; leaving the loop early cancels it, which aborts the
 * upstream at once. A failure is thrown from `next` once the events before
 * it have been taken.
 */
export function eventIterable(events: EventStream): AsyncIterable<StreamResponse> {
  return { [Symbol.asyncIterator]: () => new EventQueue(events) };
}

interface Waiter {
  resolve(result: IteratorResult<StreamResponse>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<StreamResponse> = { value: undefined, done: true };

class EventQueue implements AsyncIterator<StreamResponse>, EventSink {
  readonly #events: EventStream;
  readonly #queue: StreamResponse[] = [];
  #waiter: Waiter | undefined;
  #started = false;
  #paused = false;
  #ended = false;
  #error: GatewayError | undefined;

  constructor(events: EventStream) {
    this.#events = events;
  }

  next(): Promise<IteratorResult<StreamResponse>> {
    if (!this.#started) {
      this.#started = true;
      this.#events.start(this);
    }
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<StreamResponse>> {
    if (!this.#ended) {
      this.#ended = true;
      this.#queue.length = 0;
      this.#events.cancel(new GatewayError("cancelled", "the caller stopped reading the stream"));
    }
    return Promise.resolve(DONE);
  }

  /** @private The stream's sink. */
  event(event: StreamResponse): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
      return;
    }
    this.#queue.push(event);
    if (!this.#paused && this.#queue.length >= HIGH_WATER) {
      this.#paused = true;
      this.#events.pause();
    }
  }

  /** @private */
  flush(): void {}

  /** @private */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(DONE);
  }

  /** @private */
  fail(error: GatewayError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }

  #take(): IteratorResult<StreamResponse> {
    const value = this.#queue.shift() as StreamResponse;
    if (this.#paused && this.#queue.length <= LOW_WATER) {
      this.#paused = false;
      this.#events.resume();
    }
    return { value, done: false };
  }
}
