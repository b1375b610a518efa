import { type ChatRequest, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import {
  CODE,
  CREATIVE_FORM,
  CREATIVE_VERB,
  FICTION,
  hashStep,
  KEYWORD_FILTER,
  KEYWORDS,
  type Keyword,
  LATEX_COMMANDS,
  MATH,
} from "./complexity-words.ts";

/** How hard a prompt looks, for the `auto` virtual model. */
export type Complexity = "simple" | "medium" | "complex";

/** A rating and the signals that led to it, for ExplainRoute. */
export interface ComplexityRating {
  readonly level: Complexity;
  /** Points summed from the signals: 0 is simple, 1–2 medium, 3 and up complex. */
  readonly points: number;
  /** What fired, e.g. `code: fenced block (+2)`. */
  readonly signals: readonly string[];
}

/**
 * Only the last this many characters of the conversation are read: the
 * newest turns say most about what is asked, and the classifier's cost stays
 * flat however long the history.
 */
const SCAN_CHARS = 4_096;

/** 1 for the characters code is dense in and prose is not: { } ( ) [ ] ; = < > _ | & $ # \ / */
const CODE_SYMBOL = new Uint8Array(128);
for (const c of "{}()[];=<>_|&$#\\/") CODE_SYMBOL[c.charCodeAt(0)] = 1;
/** Symbol density above which text reads as code (prose sits near 1 %). */
const CODE_DENSITY = 0.08;
/** Texts shorter than this say too little for density to mean anything. */
const DENSITY_MIN_CHARS = 80;

/** What the pass over the text found. */
class Findings {
  symbols = 0;
  scanned = 0;
  fence = false;
  latex = false;
  equation = false;
  creativeVerb = false;
  creativeForm = false;
  fiction = false;
  readonly codeWords = new Set<string>();
  readonly mathWords = new Set<string>();
}

/**
 * Rates a chat request simple, medium or complex from cheap textual signals.
 * It reads the newest SCAN_CHARS characters once, allocating nothing per
 * character or word (see `scan`):
 * - code: a fenced block (+2), three or more distinct code keywords (+1),
 *   symbol density over 8 % (+1); at most 3;
 * - math: LaTeX (+2), arithmetic or an equation (+1), two or more math
 *   words (+1); at most 3;
 * - creative writing: asking to write a story, poem, song… (+1);
 * - conversation depth: 6 turns or more (+1), 12 or more (+2);
 * - length: 2,000 characters or more (+1), 8,000 or more (+2).
 * 0 points is simple, 1–2 medium, 3 or more complex.
 */
export function rateComplexity(chat: ChatRequest): ComplexityRating {
  const found = new Findings();
  let chars = 0;
  let turns = 0;
  let budget = SCAN_CHARS;
  // Newest first, so the scan budget goes to the turns that matter.
  for (let m = chat.messages.length - 1; m >= 0; m--) {
    const message = chat.messages[m];
    if (message === undefined) continue;
    if (message.role === Role.USER || message.role === Role.ASSISTANT) turns++;
    for (const part of message.content) {
      if (part.part.case !== "text") continue;
      const full = part.part.value;
      chars += full.length;
      if (budget <= 0) continue;
      const text = full.length > budget ? full.slice(full.length - budget) : full;
      budget -= text.length;
      scan(text, found);
    }
  }

  const signals: string[] = [];
  let points = 0;
  const density = found.scanned >= DENSITY_MIN_CHARS ? found.symbols / found.scanned : 0;
  const keywords = found.codeWords.size >= 3;
  const dense = density > CODE_DENSITY;
  const code = (found.fence ? 2 : 0) + (keywords ? 1 : 0) + (dense ? 1 : 0);
  if (code > 0) {
    const why = [
      found.fence ? "fenced block" : "",
      keywords ? `keywords ${[...found.codeWords].join(", ")}` : "",
      dense ? `symbol density ${Math.round(density * 100)} %` : "",
    ];
    points += Math.min(code, 3);
    signals.push(`code: ${why.filter((s) => s !== "").join("; ")} (+${Math.min(code, 3)})`);
  }
  const words = found.mathWords.size >= 2;
  const math = (found.latex ? 2 : 0) + (found.equation ? 1 : 0) + (words ? 1 : 0);
  if (math > 0) {
    const why = [
      found.latex ? "LaTeX" : "",
      found.equation ? "equation" : "",
      words ? `words ${[...found.mathWords].join(", ")}` : "",
    ];
    points += Math.min(math, 3);
    signals.push(`math: ${why.filter((s) => s !== "").join("; ")} (+${Math.min(math, 3)})`);
  }
  if ((found.creativeVerb && found.creativeForm) || found.fiction) {
    points += 1;
    signals.push("creative writing (+1)");
  }
  const depth = turns >= 12 ? 2 : turns >= 6 ? 1 : 0;
  if (depth > 0) {
    points += depth;
    signals.push(`conversation: ${turns} turns (+${depth})`);
  }
  const length = chars >= 8_000 ? 2 : chars >= 2_000 ? 1 : 0;
  if (length > 0) {
    points += length;
    signals.push(`length: ${chars} characters (+${length})`);
  }
  const level: Complexity = points === 0 ? "simple" : points < 3 ? "medium" : "complex";
  return { level, points, signals };
}

/**
 * One pass over the text: symbol density, fences, LaTeX, operators, and each
 * word looked up by its hash in KEYWORDS (verified in place, so no word is
 * ever sliced out of the text).
 */
function scan(text: string, found: Findings): void {
  found.scanned += text.length;
  let start = -1;
  let hash = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isWordChar(c)) {
      if (start < 0) {
        start = i;
        hash = 0;
      }
      hash = hashStep(hash, c);
      continue;
    }
    if (start >= 0) {
      if (KEYWORD_FILTER[hash & 4095] === 1) {
        const keywords = KEYWORDS.get(hash);
        if (keywords !== undefined) matchKeywords(text, start, keywords, found);
      }
      start = -1;
    }
    if (c < 128) {
      found.symbols += CODE_SYMBOL[c] as number;
      if (c === 96 || c === 126) found.fence ||= text.startsWith(c === 96 ? "```" : "~~~", i);
      else if (c === 92) found.latex ||= latexAt(text, i);
      else if (c === 36)
        found.latex ||= text.charCodeAt(i + 1) === 36; // $$
      else if (c === 62 && (text.charCodeAt(i - 1) === 61 || text.charCodeAt(i - 1) === 45))
        found.codeWords.add(text.charCodeAt(i - 1) === 61 ? "=>" : "->");
      else if (c === 58 && text.charCodeAt(i + 1) === 58) found.codeWords.add("::");
      else if (c === 35 && text.startsWith("#include", i)) found.codeWords.add("#include");
      if (!found.equation && isOperator(c)) found.equation = isEquationAt(text, i, c);
    } else if (!found.equation && isMathSymbol(c)) found.equation = true;
  }
}

/** Records the keywords of a word's hash that really stand at `start`. */
function matchKeywords(text: string, start: number, keywords: readonly Keyword[], found: Findings): void {
  for (const keyword of keywords) {
    if (!matchesAt(text, start, keyword)) continue;
    switch (keyword.kind) {
      case CODE:
        found.codeWords.add(keyword.text);
        break;
      case MATH:
        found.mathWords.add(keyword.text);
        break;
      case CREATIVE_VERB:
        found.creativeVerb = true;
        break;
      case CREATIVE_FORM:
        found.creativeForm = true;
        break;
      case FICTION:
        found.fiction = true;
        break;
    }
  }
}

/** Whether the keyword is at `start`, in its case (or any), and not the start of a longer word. */
function matchesAt(text: string, start: number, keyword: Keyword): boolean {
  const word = keyword.text;
  const end = start + word.length;
  if (end > text.length || (end < text.length && isWordChar(text.charCodeAt(end)))) return false;
  for (let k = 0; k < word.length; k++) {
    let c = text.charCodeAt(start + k);
    if (keyword.anyCase && c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
}

function latexAt(text: string, i: number): boolean {
  for (const command of LATEX_COMMANDS) if (text.startsWith(command, i)) return true;
  return false;
}

/** + * ^ = (the slash and dash are left out: dates and fractions are not equations). */
function isOperator(c: number): boolean {
  return c === 43 || c === 42 || c === 94 || c === 61;
}

function isMathSymbol(c: number): boolean {
  // × ÷ ∫ ∑ √ π ≤ ≥ ≠ ∞
  return (
    c === 0xd7 ||
    c === 0xf7 ||
    c === 0x222b ||
    c === 0x2211 ||
    c === 0x221a ||
    c === 0x3c0 ||
    c === 0x2264 ||
    c === 0x2265 ||
    c === 0x2260 ||
    c === 0x221e
  );
}

/**
 * Whether the operator at `i` sits in arithmetic (`12 * 7`, `2^8`, `x^2`)
 * or sets something to a number (`x = 3`, `f(x) = (…`), spaces allowed.
 */
function isEquationAt(text: string, i: number, op: number): boolean {
  let b = i - 1;
  while (b >= 0 && text.charCodeAt(b) === 32) b--;
  let a = i + 1;
  while (a < text.length && text.charCodeAt(a) === 32) a++;
  if (b < 0 || a >= text.length) return false;
  const before = text.charCodeAt(b);
  const after = text.charCodeAt(a);
  if (op === 61)
    return (isDigit(before) || isLetter(before) || before === 41) && (isDigit(after) || after === 40);
  return (isDigit(before) || (op === 94 && isLetter(before))) && isDigit(after);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function isWordChar(c: number): boolean {
  return isDigit(c) || isLetter(c) || c === 95;
}
