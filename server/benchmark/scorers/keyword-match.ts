import { hasAny, hasTerm, normalized, withoutEmphasis } from "./answer-text.ts";

/** What the keyword scorer looks for. */
export interface KeywordSettings {
  /**
   * A multiple-choice question's right letter (`"C"`) among `letters`
   * (`"ABCD"`). The answer must pick exactly that letter: picking several,
   * or none, scores 0 for this part.
   */
  readonly choice?: { readonly answer: string; readonly letters: string };
  /** Points the answer must make, each as alternatives (synonyms); the part is the share made. */
  readonly keywords?: readonly (readonly string[])[];
  /** Terms that make the answer wrong whatever else it says (a common misconception). */
  readonly forbidden?: readonly string[];
}

/**
 * Keyword match: 0 to 1. With a `choice`, the letter the answer picks; with
 * `keywords`, the share of points it makes; with both, their mean. A
 * forbidden term scores 0.
 */
export function keywordMatch(answer: string, settings: KeywordSettings): number {
  const text = withoutEmphasis(normalized(answer));
  if (text.trim() === "") return 0;
  if (settings.forbidden?.some((term) => hasTerm(text, term))) return 0;
  const parts: number[] = [];
  if (settings.choice !== undefined) {
    const picked = chosenLetters(text, settings.choice.letters.toUpperCase());
    parts.push(picked.size === 1 && picked.has(settings.choice.answer.toUpperCase()) ? 1 : 0);
  }
  const points = settings.keywords ?? [];
  if (points.length > 0) parts.push(points.filter((p) => hasAny(text, p)).length / points.length);
  return parts.length === 0 ? 0 : parts.reduce((a, b) => a + b, 0) / parts.length;
}

/**
 * The option letters an answer picks: a bare letter (`C`, `(C)`, `C.`), one
 * named as the answer (`The answer is C`, `Answer: (C)`), or a line that
 * starts with one (`C) 1989`). Only capitals count, so the article in "a
 * mitochondrion" is not read as option A.
 */
export function chosenLetters(text: string, letters: string): Set<string> {
  const picked = new Set<string>();
  const add = (letter: string | undefined) => {
    if (letter !== undefined && letters.includes(letter)) picked.add(letter);
  };
  const bare = /^\s*\(?([A-Z])\)?[.):]?\s*$/.exec(text);
  add(bare?.[1]);
  for (const m of text.matchAll(
    /(?:[Aa]nswer|[Oo]ption|[Cc]hoice)(?:\s+is)?\s*[:=-]?\s*\(?([A-Z])\)?(?![\p{L}\p{N}])/gu,
  ))
    add(m[1]);
  for (const m of text.matchAll(/^[ \t]*\(?([A-Z])[).:,](?=\s|$)/gm)) add(m[1]);
  for (const m of text.matchAll(/(?<![\p{L}\p{N}])\(([A-Z])\)/gu)) add(m[1]);
  return picked;
}
