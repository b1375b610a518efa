import { hasAny, normalized, withoutEmphasis, wordCount } from "./answer-text.ts";

/** What the summary scorer looks for. */
export interface SummarySettings {
  /** Word bounds, inclusive. */
  readonly minWords: number;
  readonly maxWords: number;
  /** Points a good summary covers, each as alternatives (synonyms). */
  readonly keyPoints: readonly (readonly string[])[];
  /** For bullet extraction: how many bullet lines (`-`, `*`, `•`) the answer must have. */
  readonly bullets?: { readonly min: number; readonly max: number };
}

/** How much each part counts; they sum to 1. */
const LENGTH = 0.3;
const COVERAGE = 0.7;

/**
 * Length plus a composite, for summaries: 0 to 1. The length part is 1
 * within the word bounds and falls off in proportion outside them (twice the
 * limit scores 0); the coverage part is the share of key points made. With
 * `bullets`, the answer must also be that many bullet lines, or the length
 * part is lost. An answer that copies the source wholesale fails the word
 * bound, however well it covers.
 */
export function summaryComposite(answer: string, settings: SummarySettings): number {
  const text = withoutEmphasis(normalized(answer)).trim();
  if (text === "") return 0;
  const words = wordCount(text);
  let length =
    words < settings.minWords
      ? words / settings.minWords
      : words > settings.maxWords
        ? Math.max(0, 2 - words / settings.maxWords)
        : 1;
  if (settings.bullets !== undefined) {
    const count = bulletLines(text);
    if (count < settings.bullets.min || count > settings.bullets.max) length = 0;
  }
  const points = settings.keyPoints;
  const coverage = points.length === 0 ? 1 : points.filter((p) => hasAny(text, p)).length / points.length;
  return LENGTH * length + COVERAGE * coverage;
}

/** Lines that are bullets: `-`, `*`, `+` or `•` then text. */
export function bulletLines(text: string): number {
  return text.match(/^[ \t]*[-*+•][ \t]+\S/gm)?.length ?? 0;
}
