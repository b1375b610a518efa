import { normalise } from "../../../state/unit-vector.ts";
import type { Embedder } from "./embedder.ts";
import { foldText } from "./fold-text.ts";

export interface LocalEmbedderOptions {
  /** The vector's size, a power of two from 64 to 8192. Default 512. */
  readonly dimensions?: number;
}

/** Each kind of feature's weight; a word's weight is multiplied for the words that turn a meaning around. */
const WORD = 1;
const PAIR = 1;
const TRIGRAM = 0.35;
/** Digits and negations carry more meaning than their length: "10" vs "100", "with" vs "without". */
const MEANING_WORD = 3;

/** Seeds that keep the three kinds of feature apart in the hashed space. */
const WORD_SEED = 0x9747b28c;
const PAIR_SEED = 0x5bd1e995;
const TRIGRAM_SEED = 0x1b873593;
/** The boundary marks around a word for its character trigrams: "<at>" has "<at" and "at>". */
const WORD_START = 0x3c;
const WORD_END = 0x3e;

/**
 * The built-in embedder: deterministic feature hashing, with no model and no
 * download. The text is folded (case, accents, punctuation, contractions;
 * see fold-text.ts), then each word, each pair of neighbouring words and each
 * character trigram of each word (with boundary marks) is hashed (FNV-1a,
 * finished with murmur3's mixer) to one dimension and a sign, and the vector
 * is normalised to unit length. Two prompts are therefore near when they
 * share most of their words in mostly the same order: it matches surface
 * wording, not meaning (docs/caching.md says what follows from that).
 *
 * The n-grams are hashed straight from the folded string's character codes:
 * nothing is allocated per n-gram, only the folded string and the vector.
 */
export class LocalEmbedder implements Embedder {
  readonly name = "local";
  readonly dimensions: number;
  readonly #mask: number;

  constructor(options: LocalEmbedderOptions = {}) {
    const dimensions = options.dimensions ?? 512;
    if (!Number.isInteger(Math.log2(dimensions)) || dimensions < 64 || dimensions > 8192) {
      throw new RangeError(
        `local embedder dimensions must be a power of two from 64 to 8192, not ${dimensions}`,
      );
    }
    this.dimensions = dimensions;
    this.#mask = dimensions - 1;
  }

  embed(text: string, signal: AbortSignal): Promise<Float32Array> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return Promise.resolve(this.vector(text));
  }

  /** The unit vector of a text; all zeros for a text with no letter or digit. */
  vector(text: string): Float32Array {
    const folded = foldText(text);
    const vector = new Float32Array(this.dimensions);
    let previous = 0;
    let havePrevious = false;
    let start = 0;
    while (start < folded.length) {
      let end = folded.indexOf(" ", start);
      if (end === -1) end = folded.length;
      const word = fnv(folded, start, end, WORD_SEED);
      this.#add(vector, word, WORD * wordWeight(folded, start, end, word));
      if (havePrevious) this.#add(vector, mix(Math.imul(previous, 31) ^ word ^ PAIR_SEED), PAIR);
      this.#trigrams(vector, folded, start, end);
      previous = word;
      havePrevious = true;
      start = end + 1;
    }
    normalise(vector);
    return vector;
  }

  /** Adds the word's character trigrams, between its boundary marks. */
  #trigrams(vector: Float32Array, text: string, start: number, end: number): void {
    // Positions run over "<word>": -1 is the start mark, end - start the end mark.
    const length = end - start;
    for (let i = -1; i + 2 <= length; i++) {
      let h = TRIGRAM_SEED ^ 0x811c9dc5;
      for (let j = i; j < i + 3; j++) {
        const code = j < 0 ? WORD_START : j >= length ? WORD_END : text.charCodeAt(start + j);
        h = Math.imul(h ^ code, 0x01000193);
      }
      this.#add(vector, mix(h), TRIGRAM);
    }
  }

  /** Adds a feature: the hash's low bits pick the dimension, its top bit the sign. */
  #add(vector: Float32Array, hash: number, weight: number): void {
    const index = hash & this.#mask;
    vector[index] = (vector[index] as number) + (hash < 0 ? -weight : weight);
  }
}

/** FNV-1a over text[start, end), seeded, then mixed: a signed 32-bit hash. */
function fnv(text: string, start: number, end: number, seed: number): number {
  let h = seed ^ 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h);
}

/** murmur3's 32-bit finaliser, so that every bit of the hash depends on every input bit. */
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** The negations' word hashes, so that a word is looked up by its hash with no slice of the text. */
const NEGATIONS = new Set(
  ["not", "no", "never", "without", "nor", "none", "nothing", "neither"].map((word) =>
    fnv(word, 0, word.length, WORD_SEED),
  ),
);

function wordWeight(text: string, start: number, end: number, hash: number): number {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) return MEANING_WORD;
  }
  return NEGATIONS.has(hash) ? MEANING_WORD : 1;
}
