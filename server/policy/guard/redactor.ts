import type { GuardMatch } from "./guard-match.ts";

/**
 * Masks matches with stable placeholders, `[REDACTED:EMAIL_1]`: within one
 * request the same value always gets the same placeholder, so the model can
 * still tell two addresses apart, and one address repeated stays one.
 */
const PLACEHOLDER = /\[REDACTED:[A-Z0-9_]+_\d+\]/g;

/** Where a placeholder may start, for a stream that must not cut one in two. */
export const PLACEHOLDER_START = "[REDACTED:";

export class Redactor {
  readonly #byValue = new Map<string, string>();
  readonly #counts = new Map<string, number>();
  /** The reverse map, built at the first restore (every placeholder is handed out before the answer). */
  #byPlaceholder: Map<string, string> | undefined;

  /** The placeholder for one value of one kind. */
  placeholder(type: string, value: string): string {
    const id = `${type}\u0000${value}`;
    let placeholder = this.#byValue.get(id);
    if (placeholder === undefined) {
      const n = (this.#counts.get(type) ?? 0) + 1;
      this.#counts.set(type, n);
      placeholder = `[REDACTED:${type.toUpperCase()}_${n}]`;
      this.#byValue.set(id, placeholder);
    }
    return placeholder;
  }

  /**
   * `text` with every placeholder this redactor handed out replaced by its
   * value again (the round trip: the upstream saw the placeholder, the caller
   * gets the original); other text, look-alike placeholders included, is left.
   */
  restore(text: string): string {
    if (!text.includes("[REDACTED:")) return text;
    this.#byPlaceholder ??= new Map(
      [...this.#byValue].map(([id, p]) => [p, id.slice(id.indexOf("\u0000") + 1)]),
    );
    const values = this.#byPlaceholder;
    return text.replace(PLACEHOLDER, (p) => values.get(p) ?? p);
  }

  /** `text` with each match replaced; matches may come from several detectors, so they are ordered and overlaps dropped. */
  apply(text: string, matches: GuardMatch[]): string {
    matches.sort((a, b) => a.start - b.start || b.end - a.end);
    let out = "";
    let at = 0;
    for (const m of matches) {
      if (m.start < at) continue;
      out += text.slice(at, m.start) + this.placeholder(m.type, text.slice(m.start, m.end));
      at = m.end;
    }
    return out + text.slice(at);
  }
}
