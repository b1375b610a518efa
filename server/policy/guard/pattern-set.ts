import type { Detector, GuardMatch } from "./guard-match.ts";

/**
 * One kind of match inside a family: a regex source and, optionally, a check
 * the regex cannot express (a checksum, a decoded header). `span` narrows
 * the match to the part worth masking (the value of `password=...`, not the
 * key) and returns undefined to reject it.
 */
export interface Pattern {
  readonly type: string;
  readonly source: string;
  readonly span?: (matched: string) => readonly [number, number] | undefined;
  /** The rule name for this pattern, when it differs from the set's. */
  readonly rule?: string;
}

/** How many capture groups a regex source has (a trick: an alternation with the empty string always matches). */
function groupCount(source: string): number {
  return (new RegExp(`(?:${source})|`).exec("") as RegExpExecArray).length - 1;
}

/**
 * A family's patterns compiled into ONE regex, each alternative in its own
 * group, so a string is scanned once per family whatever the number of
 * patterns. Patterns may use groups of their own (custom regexes do); the
 * offsets are counted once here. Backreferences by number would shift, so
 * config refuses them (guards-schema.ts).
 */
export class PatternSet implements Detector {
  readonly #regex: RegExp;
  readonly #patterns: readonly Pattern[];
  /** The group index of each pattern's outer group. */
  readonly #groups: readonly number[];
  readonly #rule: string;

  constructor(rule: string, patterns: readonly Pattern[], flags = "") {
    this.#rule = rule;
    this.#patterns = patterns;
    const groups: number[] = [];
    let next = 1;
    for (const p of patterns) {
      groups.push(next);
      next += 1 + groupCount(p.source);
    }
    this.#groups = groups;
    // An empty set never matches.
    const source = patterns.length === 0 ? "(?!)" : patterns.map((p) => `(${p.source})`).join("|");
    this.#regex = new RegExp(source, `g${flags}`);
  }

  scan(text: string, out: GuardMatch[]): void {
    if (this.#patterns.length === 0) return;
    const regex = this.#regex;
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      const matched = m[0];
      // A zero-length match (a custom regex such as `a*`) must still move on.
      if (matched.length === 0) {
        regex.lastIndex++;
        continue;
      }
      const i = this.#which(m);
      const pattern = this.#patterns[i] as Pattern;
      let start = m.index;
      let end = start + matched.length;
      if (pattern.span !== undefined) {
        const span = pattern.span(matched);
        if (span === undefined) {
          // Rejected (a failed checksum): look again from the next character, so a valid match inside is found.
          regex.lastIndex = m.index + 1;
          continue;
        }
        end = start + span[1];
        start += span[0];
      }
      out.push({ rule: pattern.rule ?? this.#rule, type: pattern.type, start, end });
    }
  }

  #which(m: RegExpExecArray): number {
    const groups = this.#groups;
    for (let i = 0; i < groups.length; i++) if (m[groups[i] as number] !== undefined) return i;
    return 0;
  }
}
