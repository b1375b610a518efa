/**
 * Deterministic text for the mock upstream.
 *
 * Tests compare streamed and non-streamed answers and benchmarks compare runs, so the mock never uses
 * randomness: completion token i is always the same lorem-ipsum word, and prompt "tokens" are simply the
 * whitespace-separated words of the message texts. A reply is modelled as `Pieces` (one piece per streamed
 * chunk) so streaming and non-streaming paths produce exactly the same content.
 */

const WORDS = (
  "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et " +
  "dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea " +
  "commodo consequat"
).split(" ");

/** Piece i with its leading space (none for the first), precomputed for one cycle of the word list. */
const SPACED = WORDS.map((w) => ` ${w}`);

/** An ordered list of text pieces; each piece is one completion token / stream chunk. */
export interface Pieces {
  readonly count: number;
  at(i: number): string;
  join(): string;
}

/** Token i of the lorem stream: `"lorem"`, `" ipsum"`, `" dolor"`, ... */
export function loremToken(i: number): string {
  return i === 0 ? (WORDS[0] as string) : (SPACED[i % SPACED.length] as string);
}

const textCache = new Map<number, string>();

/** The concatenation of the first `n` lorem tokens (cached: the same few lengths repeat constantly). */
export function loremText(n: number): string {
  const cached = textCache.get(n);
  if (cached !== undefined) return cached;
  let text = "";
  for (let i = 0; i < n; i++) text += loremToken(i);
  if (n <= 4096 && textCache.size < 256) textCache.set(n, text);
  return text;
}

/** `n` lorem tokens as pieces. */
export function loremPieces(n: number): Pieces {
  return { count: n, at: loremToken, join: () => loremText(n) };
}

/** Pieces backed by an array (used for short, request-dependent texts). */
export function arrayPieces(parts: readonly string[]): Pieces {
  return { count: parts.length, at: (i) => parts[i] as string, join: () => parts.join("") };
}

/** Split text into word pieces that keep their whitespace, so joining them restores the text exactly. */
export function wordPieces(text: string): Pieces {
  const parts: string[] = text.match(/\s*\S+/g) ?? [];
  const consumed = parts.reduce((n, p) => n + p.length, 0);
  if (consumed < text.length) {
    if (parts.length === 0) parts.push(text);
    else parts[parts.length - 1] += text.slice(consumed);
  }
  return arrayPieces(parts);
}

/** The first `n` pieces of `p` (no copying: pieces are still produced on demand). */
export function truncatePieces(p: Pieces, n: number): Pieces {
  if (n >= p.count) return p;
  if (p.at === loremToken) return loremPieces(n);
  return {
    count: n,
    at: p.at,
    join() {
      let text = "";
      for (let i = 0; i < n; i++) text += p.at(i);
      return text;
    },
  };
}

/** Text of an OpenAI message `content`: a string, or the `text` of the text parts of an array. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
      text += (text ? " " : "") + (part as { text: string }).text;
    }
  }
  return text;
}

/** Number of whitespace-separated words in `text`. */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x3000;
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return words;
}

/** Mock prompt token count: words across all message text contents, at least 1. */
export function countPromptTokens(messages: readonly unknown[]): number {
  let words = 0;
  for (const m of messages) {
    if (m && typeof m === "object") words += countWords(contentText((m as { content?: unknown }).content));
  }
  return Math.max(1, words);
}
