/*
 * TGI's generated text keeps the stop sequence that ended it (finish_reason
 * `stop_sequence`), where OpenAI-style callers expect it left out. Streaming
 * cannot take back text already sent, so the stream holds back only the
 * tail that could still be the start of a stop sequence, and releases it as
 * soon as it cannot.
 */

/** The text before the first stop sequence in it (all of it when none occurs). */
export function cutAtStop(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const stop of stops) {
    if (stop === "") continue;
    const at = text.indexOf(stop);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}

/** Streams text with any stop sequence removed, holding back only a possible partial match. */
export class StopTrimmer {
  readonly #stops: readonly string[];
  #held = "";

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((s) => s !== "");
  }

  /** Adds generated text; returns what can be sent now. */
  push(text: string): string {
    if (this.#stops.length === 0) return text;
    const held = this.#held + text;
    const keep = this.#partialMatch(held);
    this.#held = held.slice(held.length - keep);
    return held.slice(0, held.length - keep);
  }

  /** At the end: what is left to send, cut at the stop sequence when that is what ended generation. */
  finish(stoppedBySequence: boolean): string {
    const held = this.#held;
    this.#held = "";
    return stoppedBySequence ? cutAtStop(held, this.#stops) : held;
  }

  /** Length of the longest tail of `text` that a stop sequence starts with (or contains whole). */
  #partialMatch(text: string): number {
    let keep = 0;
    for (const stop of this.#stops) {
      const whole = text.indexOf(stop);
      if (whole >= 0) keep = Math.max(keep, text.length - whole);
      for (let k = Math.min(text.length, stop.length - 1); k > keep; k--) {
        if (text.endsWith(stop.slice(0, k))) {
          keep = k;
          break;
        }
      }
    }
    return keep;
  }
}
