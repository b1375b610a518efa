import type { StreamResponse, UsageReport } from "../../gen/llmgw/v1/chat_pb.js";
import type { GatewayError } from "../errors/gateway-error.ts";
import type { EventSink, EventStream } from "../providers/event-stream.ts";
import { MAX_SCORED_CHARS } from "./scorers/answer-text.ts";

/** A streamed answer read to its end: its text (capped) and its closing usage report. */
export interface CollectedAnswer {
  readonly text: string;
  readonly usage: UsageReport | undefined;
}

/**
 * Reads a streamed answer to its end, as a surface would render it, keeping
 * the first choice's text up to what the scorers read (the rest still
 * streams, so the upstream is billed and timed for the whole answer).
 * Rejects with the stream's GatewayError when it fails.
 */
export function collectAnswer(events: EventStream): Promise<CollectedAnswer> {
  return new Promise((resolve, reject) => {
    events.start(new Collector(resolve, reject));
  });
}

class Collector implements EventSink {
  readonly #resolve: (answer: CollectedAnswer) => void;
  readonly #reject: (error: GatewayError) => void;
  #text = "";
  #usage: UsageReport | undefined;

  constructor(resolve: (answer: CollectedAnswer) => void, reject: (error: GatewayError) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  event(event: StreamResponse): void {
    const e = event.event;
    if (e.case === "delta") {
      if (event.choiceIndex === 0 && this.#text.length < MAX_SCORED_CHARS) this.#text += e.value.text;
    } else if (e.case === "usage") this.#usage = e.value;
  }

  flush(): void {}

  end(): void {
    this.#resolve({ text: this.#text.slice(0, MAX_SCORED_CHARS), usage: this.#usage });
  }

  fail(error: GatewayError): void {
    this.#reject(error);
  }
}
