import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import type { ByteSink, RawBody } from "../providers/passthrough/passthrough.ts";
import type { Call } from "./call.ts";
import type { Outcome } from "./end-hooks.ts";
import { elapsed, failed, stopped, succeeded } from "./outcome.ts";

/** What the runner needs of a raw answer. */
interface RawAnswer {
  readonly body: RawBody;
  readonly error: GatewayError | undefined;
}

/**
 * The end-hook runner's wrapper of a pass-through body, the raw twin of
 * EndOnFinish: it times the first byte and fires the end hooks once,
 * however the body ends (after its last byte has been handed on, on a
 * failure, or when the caller leaves), with the usage read from the bytes.
 * An upstream's non-2xx answer ends as that error (its bytes still reach
 * the caller); a body cut short is billed for the usage it had reported.
 * Each chunk costs one branch and one call.
 */
export class RawEndOnFinish implements RawBody, ByteSink {
  readonly #call: Call;
  readonly #inner: RawBody;
  readonly #error: GatewayError | undefined;
  readonly #finish: (call: Call, outcome: Outcome) => void;
  #sink: ByteSink | undefined;
  #ttftMs = 0;
  #done = false;

  constructor(call: Call, answer: RawAnswer, finish: (call: Call, outcome: Outcome) => void) {
    this.#call = call;
    this.#inner = answer.body;
    this.#error = answer.error;
    this.#finish = finish;
    // A caller that leaves before the surface starts reading must still stop the upstream and be accounted.
    call.signal.addEventListener("abort", this.#abortedBeforeStart, { once: true });
  }

  get usage(): TokenUsage | undefined {
    return this.#inner.usage;
  }

  start(sink: ByteSink): void {
    this.#call.signal.removeEventListener("abort", this.#abortedBeforeStart);
    if (this.#done) {
      sink.fail(stopped(this.#call));
      return;
    }
    this.#sink = sink;
    this.#inner.start(this);
  }

  readonly #abortedBeforeStart = (): void => {
    if (this.#sink === undefined) this.cancel(stopped(this.#call));
  };

  pause(): void {
    this.#inner.pause();
  }

  resume(): void {
    this.#inner.resume();
  }

  cancel(reason: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#inner.cancel(reason);
    const call = this.#call;
    this.#finish(call, failed(call, stopped(call), this.#ttftMs, this.#inner.usage));
  }

  /** @private */
  chunk(bytes: Buffer): void {
    if (this.#done) return;
    if (this.#ttftMs === 0) this.#ttftMs = elapsed(this.#call);
    (this.#sink as ByteSink).chunk(bytes);
  }

  /** @private */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    const call = this.#call;
    const usage = this.#inner.usage;
    const latencyMs = elapsed(call);
    const outcome =
      this.#error === undefined
        ? succeeded(call, usage, latencyMs, this.#ttftMs === 0 ? latencyMs : this.#ttftMs)
        : failed(call, this.#error, this.#ttftMs, usage);
    // The caller's last bytes leave first; the hooks' bookkeeping need not delay them.
    try {
      (this.#sink as ByteSink).end();
    } finally {
      this.#finish(call, outcome);
    }
  }

  /** @private */
  fail(error: GatewayError): void {
    if (this.#done) return;
    this.#done = true;
    const failure = GatewayError.from(error);
    const call = this.#call;
    try {
      (this.#sink as ByteSink).fail(failure);
    } finally {
      this.#finish(call, failed(call, failure, this.#ttftMs, this.#inner.usage));
    }
  }
}
