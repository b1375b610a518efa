/**
 * What every scorer does to an answer before it looks at it. Models wrap
 * answers in markdown, use full-width or composed characters and sometimes
 * run on for pages; each scorer should see the same text for the same answer.
 */

/** The most of an answer any scorer reads: a runaway answer is judged on its start, in bounded time. */
export const MAX_SCORED_CHARS = 64 * 1024;

/** The answer, capped, in Unicode NFKC form (full-width `Ｂ` is `B`, `ﬁ` is `fi`), line ends as `\n`. */
export function normalized(answer: string): string {
  return answer.slice(0, MAX_SCORED_CHARS).normalize("NFKC").replace(/\r\n?/g, "\n");
}

/** Markdown emphasis and inline code marks removed (`**B**`, `` `x` ``), fences left alone. */
export function withoutEmphasis(text: string): string {
  return text.replace(/(\*\*|__|\*|~~)(?=\S)([^\n]*?\S)\1/g, "$2").replace(/`([^`\n]+)`/g, "$1");
}

const FENCE = /^[ \t]*(```|~~~)[^\n]*\n([\s\S]*?)^[ \t]*\1[ \t]*$/gm;

/** The contents of every fenced code block, in order; none when the answer has no complete fence. */
export function fencedBlocks(text: string): string[] {
  return [...text.matchAll(FENCE)].map((m) => m[2] ?? "");
}

/** The text with one enclosing fence removed (a JSON answer sent as ```json … ```), else as it is. */
export function unfenced(text: string): string {
  const trimmed = text.trim();
  const blocks = fencedBlocks(trimmed);
  if (blocks.length === 1 && /^(```|~~~)/.test(trimmed) && /(```|~~~)$/.test(trimmed))
    return (blocks[0] as string).trim();
  return trimmed;
}

/** How many words: runs of letters, digits and apostrophes, in any script. */
export function wordCount(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0;
}

/**
 * Whether `term` occurs in `text`, case-insensitively. A term that starts and
 * ends with a letter or digit must stand as a whole word (`cell` is not in
 * `cellular`); one with symbols (`%`, `O(log n)`) is matched as it is.
 */
export function hasTerm(text: string, term: string): boolean {
  const wanted = term.normalize("NFKC").toLowerCase();
  if (wanted === "") return false;
  const haystack = text.toLowerCase();
  if (!/^[\p{L}\p{N}_].*[\p{L}\p{N}_]$|^[\p{L}\p{N}_]$/u.test(wanted)) return haystack.includes(wanted);
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(wanted)}(?![\\p{L}\\p{N}_])`, "u").test(haystack);
}

/** Of these alternatives (synonyms for one point), whether any occurs. */
export function hasAny(text: string, alternatives: readonly string[]): boolean {
  return alternatives.some((term) => hasTerm(text, term));
}

/** Text to match literally inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
