/**
 * Folds a prompt to the words it says, for the local embedder: lower case,
 * accents dropped (NFKD, then the combining marks removed), English
 * contractions spelt out ("what's" → "what is", "can't" → "can not",
 * "cannot" → "can not"), a possessive "'s" dropped ("Hamlet's" → "hamlet"),
 * and every run of anything that is not a letter or a digit turned into one
 * space. The result is the words separated by single spaces, with none at
 * either end.
 *
 * Only what is unambiguous is expanded: "'s" becomes "is" only after the
 * words where it cannot be a possessive ("it's", "what's", "there's"…), and
 * "'d" is left as the letter d (would or had, the folding cannot tell).
 */
export function foldText(text: string): string {
  return NOT_PLAIN.test(text) ? foldAny(text) : foldPlain(text);
}

/**
 * Most prompts are ASCII with no apostrophe: of the rules above only the
 * case, "cannot" and the separators can apply to them, and the separators
 * are then [^a-z0-9] once lower-cased. Three passes instead of fifteen, to
 * the same result (fold-text.test.ts checks it against `foldAny`).
 */
/** An apostrophe or any UTF-16 unit past ASCII. */
const NOT_PLAIN = /['\u0080-\uffff]/;
const ASCII_SEPARATORS = /[^a-z0-9]+/g;

function foldPlain(text: string): string {
  const lower = text.toLowerCase();
  const spelt = lower.includes("cannot") ? lower.replace(CANNOT, "can not") : lower;
  return spelt.replace(ASCII_SEPARATORS, " ").trim();
}

/** Every rule, for any text. @private exported for the test that compares it with the ASCII path. */
export function foldAny(text: string): string {
  return text
    .normalize("NFKD")
    .replace(COMBINING_MARKS, "")
    .toLowerCase()
    .replace(CURLY_APOSTROPHES, "'")
    .replace(WONT, "will not")
    .replace(CANNOT, "can not")
    .replace(NOT, " not")
    .replace(IS, "$1 is")
    .replace(LETS, "let us")
    .replace(POSSESSIVE, "")
    .replace(ARE, " are")
    .replace(AM, " am")
    .replace(WILL, " will")
    .replace(HAVE, " have")
    .replace(SEPARATORS, " ")
    .trim();
}

const COMBINING_MARKS = /\p{M}+/gu;
const CURLY_APOSTROPHES = /[\u2018\u2019\u02bc\u2032]/g;
const WONT = /\bwon't\b/g;
// "can't" and "cannot" alike, so that both fold to the same two words.
const CANNOT = /\b(?:can't|cannot)\b/g;
const NOT = /n't\b/g;
/** The words after which "'s" is "is", never a possessive. */
const IS =
  /\b(it|that|what|where|who|how|there|here|he|she|when|why|this|which|everything|nothing|something|someone|everyone)'s\b/g;
const LETS = /\blet's\b/g;
const POSSESSIVE = /'s\b/g;
const ARE = /'re\b/g;
const AM = /'m\b/g;
const WILL = /'ll\b/g;
const HAVE = /'ve\b/g;
const SEPARATORS = /[^\p{L}\p{N}]+/gu;
