import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { Call } from "../../core/call.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { writableOrGone } from "../../http/client-gone.ts";
import type { AnyResponse } from "../../http/cors.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import { ollamaErrorBody } from "./ollama-error.ts";
import type { OllamaLines } from "./ollama-lines.ts";

/**
 * Sends a pushed stream as Ollama's NDJSON (`application/x-ndjson`, one JSON
 * object a line) and resolves when the response has ended. Each upstream
 * chunk's lines leave in one write; when the socket is full the stream is
 * paused until it drains or closes (never `drain` alone). A failure, before
 * or after the first line, ends the body with a line `{"error": "..."}`,
 * which the `ollama` client throws; it never ends as if it were done.
 */
export function sendNdjsonEvents(
  events: EventStream,
  call: Call,
  lines: OllamaLines,
  res: AnyResponse,
): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-cache" });
  return new Promise((resolve) => events.start(new NdjsonEvents(events, call, lines, res, resolve)));
}

class NdjsonEvents implements EventSink {
  readonly #events: EventStream;
  readonly #call: Call;
  readonly #lines: OllamaLines;
  readonly #res: AnyResponse;
  readonly #done: () => void;
  #pending = "";
  #waiting = false;
  #ended = false;

  constructor(events: EventStream, call: Call, lines: OllamaLines, res: AnyResponse, done: () => void) {
    this.#events = events;
    this.#call = call;
    this.#lines = lines;
    this.#res = res;
    this.#done = done;
  }

  event(event: StreamResponse): void {
    if (this.#ended) return;
    let out: string[];
    try {
      out = this.#lines.render(event);
    } catch (error) {
      // An answer Ollama's wire cannot carry (tool arguments that are no object) ends the stream here.
      const failure = GatewayError.from(error);
      this.#events.cancel(failure);
      this.fail(failure);
      return;
    }
    for (let i = 0; i < out.length; i++) this.#pending += `${out[i]}\n`;
  }

  flush(): void {
    if (this.#ended || this.#pending === "") return;
    const out = this.#pending;
    this.#pending = "";
    if (this.#res.write(out) || this.#waiting) return;
    this.#waiting = true;
    this.#events.pause();
    void writableOrGone(this.#res).then(() => {
      this.#waiting = false;
      if (!this.#ended) this.#events.resume();
    });
  }

  end(): void {
    // A deadline (or a vanished client) that fired while the last events were on their way still wins.
    const signal = this.#call.signal;
    if (signal.aborted) this.fail(GatewayError.from(signal.reason));
    else this.#close();
  }

  fail(error: GatewayError): void {
    if (this.#ended) return;
    this.#pending += `${ollamaErrorBody(error)}\n`;
    this.#close();
  }

  #close(): void {
    if (this.#ended) return;
    this.#ended = true;
    const out = this.#pending;
    this.#pending = "";
    this.#done();
    if (this.#res.writableEnded || this.#res.destroyed) return;
    if (out === "") this.#res.end();
    else this.#res.end(out);
  }
}
