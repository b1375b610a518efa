/**
 * The words the complexity classifier looks for, indexed so that one pass
 * over a prompt finds them all: each keyword is filed under the hash of its
 * first word, lower-cased (see `wordHash`), and the scan looks each word of
 * the prompt up once.
 */

/** What a keyword is evidence of. */
export const CODE = 1;
export const MATH = 2;
/** A verb asking for writing, and the kinds of writing it may ask for. */
export const CREATIVE_VERB = 3;
export const CREATIVE_FORM = 4;
/** Words only fiction talks about. */
export const FICTION = 5;

export interface Keyword {
  /** As written; a phrase may have several words. */
  readonly text: string;
  readonly kind: number;
  /** Matched in any case (else exactly: `SELECT` is SQL, `select` is English). */
  readonly anyCase: boolean;
}

const code = [
  "function",
  "const",
  "def",
  "async",
  "await",
  "struct",
  "impl",
  "elif",
  "lambda",
  "namespace",
  "println",
  "printf",
  "console.log",
  "SELECT",
  "WHERE",
  "JOIN",
  "void",
  "import",
  "refactor",
  "segfault",
  "regex",
  "debug",
  "stack trace",
  "null pointer",
  "compile",
];
const math = [
  "prove",
  "proof",
  "theorem",
  "lemma",
  "integral",
  "derivative",
  "differentiate",
  "integrate",
  "equation",
  "polynomial",
  "matrix",
  "eigenvalue",
  "eigenvalues",
  "probability",
  "variance",
  "logarithm",
  "calculus",
  "algebra",
  "geometry",
  "solve for",
];
const verbs = ["write", "compose", "draft", "tell me"];
const forms = [
  "story",
  "poem",
  "song",
  "lyrics",
  "novel",
  "screenplay",
  "haiku",
  "sonnet",
  "fable",
  "limerick",
];
const fiction = ["fiction", "worldbuilding", "plot twist", "protagonist"];

/** Keywords by the hash of their first word. */
export const KEYWORDS: ReadonlyMap<number, readonly Keyword[]> = index([
  ...code.map((text) => ({ text, kind: CODE, anyCase: false })),
  ...math.map((text) => ({ text, kind: MATH, anyCase: true })),
  ...verbs.map((text) => ({ text, kind: CREATIVE_VERB, anyCase: true })),
  ...forms.map((text) => ({ text, kind: CREATIVE_FORM, anyCase: true })),
  ...fiction.map((text) => ({ text, kind: FICTION, anyCase: true })),
]);

/**
 * A filter in front of KEYWORDS: the low 12 bits of every keyword's hash.
 * Most words of a prompt miss it, and so cost no map lookup.
 */
export const KEYWORD_FILTER = new Uint8Array(4096);
for (const hash of KEYWORDS.keys()) KEYWORD_FILTER[hash & 4095] = 1;

/** LaTeX commands, found where a backslash is. */
export const LATEX_COMMANDS = [
  "\\frac",
  "\\int",
  "\\sum",
  "\\prod",
  "\\sqrt",
  "\\lim",
  "\\mathbb",
  "\\begin{",
];

/**
 * One step of a word's hash: the lower-cased character code folded in. It
 * is kept to 30 bits, so it stays a small integer to V8 and the lookup
 * allocates no heap number.
 */
export function hashStep(hash: number, c: number): number {
  const lower = c >= 65 && c <= 90 ? c + 32 : c;
  return (Math.imul(hash, 31) + lower) & 0x3fffffff;
}

/** The hash of a word, as the scan computes it character by character. */
export function wordHash(word: string): number {
  let hash = 0;
  for (let i = 0; i < word.length; i++) hash = hashStep(hash, word.charCodeAt(i));
  return hash;
}

function index(keywords: Keyword[]): Map<number, Keyword[]> {
  const byHash = new Map<number, Keyword[]>();
  for (const keyword of keywords) {
    const first = /^[A-Za-z0-9_]+/.exec(keyword.text)?.[0] ?? keyword.text;
    const hash = wordHash(first);
    const list = byHash.get(hash) ?? [];
    list.push(keyword);
    byHash.set(hash, list);
  }
  return byHash;
}
