import type { StreamResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { deltaEvent } from "../../providers/delta-event.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import { PLACEHOLDER_START } from "./redactor.ts";

/**
 * Characters of answer text held back per choice, so a match split across
 * chunks is still caught before any of it leaves: longer than every built-in
 * pattern but PEM blocks and long JWTs, which a window this size may let
 * through in part (the docs say so).
 */
export const HOLD_BACK = 128;

/** Scans (and masks) answer text; throws `guardrail_blocked` for a block. */
export type OutputScan = (text: string) => string;

/**
 * A streamed answer with the output guard on its text: each choice's
 * content is held back by `HOLD_BACK` characters, scanned with what came
 * before it, and let out (masked where a rule redacts) once nothing that
 * follows could still complete a match in it. A choice's finish (and the
 * usage report) lets out the rest. A block ends the stream with
 * `guardrail_blocked`; the text that matched never leaves. Reasoning,
 * refusals and tool calls pass as they are.
 */
export class GuardedStream implements EventStream, EventSink {
  readonly #inner: EventStream;
  readonly #scan: OutputScan;
  /** What is done to text as it leaves (the round trip's restore of redacted values). */
  readonly #release: (text: string) => string;
  /** Held text per choice index. */
  readonly #held = new Map<number, { id: string; text: string }>();
  #sink: EventSink | undefined;
  #failed = false;

  constructor(inner: EventStream, scan: OutputScan, release: (text: string) => string = (text) => text) {
    this.#inner = inner;
    this.#scan = scan;
    this.#release = release;
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
    if (this.#failed) return;
    const sink = this.#sink as EventSink;
    const kind = event.event.case;
    if (kind === "delta" && event.event.value.text !== "") {
      const delta = event.event.value;
      const held = this.#held.get(event.choiceIndex) ?? { id: event.id, text: "" };
      held.text += delta.text;
      this.#held.set(event.choiceIndex, held);
      const rest = { ...delta, text: "" };
      if (!this.#letOut(event.choiceIndex, held, false)) return;
      if (
        rest.reasoning !== "" ||
        rest.refusal !== "" ||
        rest.reasoningSignature !== "" ||
        rest.redactedReasoning !== ""
      )
        sink.event({ ...event, event: { case: "delta", value: rest } });
      return;
    }
    if (kind === "finish") {
      const held = this.#held.get(event.choiceIndex);
      if (held !== undefined && !this.#letOut(event.choiceIndex, held, true)) return;
    } else if (kind === "usage") {
      for (const [index, held] of this.#held) if (!this.#letOut(index, held, true)) return;
    }
    sink.event(event);
  }

  /** @private */
  flush(): void {
    if (!this.#failed) (this.#sink as EventSink).flush();
  }

  /** @private */
  end(): void {
    if (!this.#failed) (this.#sink as EventSink).end();
  }

  /** @private */
  fail(error: GatewayError): void {
    if (this.#failed) return;
    this.#failed = true;
    (this.#sink as EventSink).fail(error);
  }

  /**
   * Scans what is held and lets out all of it (`all`) or all but the last
   * `HOLD_BACK` characters. False when a rule blocked (the stream is failed).
   */
  #letOut(index: number, held: { id: string; text: string }, all: boolean): boolean {
    let scanned: string;
    try {
      scanned = this.#scan(held.text);
    } catch (error) {
      this.#inner.cancel(error as Error);
      this.fail(GatewayError.from(error));
      return false;
    }
    // Masking may change the length; what is held back is measured on the masked text.
    let cut = all ? scanned.length : Math.max(0, scanned.length - HOLD_BACK);
    // Never cut a placeholder in two: the restore needs it whole.
    const open = all ? -1 : scanned.lastIndexOf(PLACEHOLDER_START, cut - 1);
    if (open >= 0 && scanned.indexOf("]", open) >= cut) cut = open;
    held.text = scanned.slice(cut);
    if (cut > 0)
      (this.#sink as EventSink).event(
        deltaEvent(held.id, index, this.#release(scanned.slice(0, cut)), "", ""),
      );
    if (all) this.#held.delete(index);
    return true;
  }
}
