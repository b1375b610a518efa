import { postedBelow, SparseVector } from "../../../state/unit-vector.ts";
import type { Embedder } from "./embedder.ts";
import { foldText } from "./fold-text.ts";

export interface LocalEmbedderOptions {
  /** The size of the hashed space, a power of two from 2^10 to 2^24. Default 2^20. */
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
/** FNV-1a's offset basis, seeded for trigrams. */
const TRIGRAM_BASIS = TRIGRAM_SEED ^ 0x811c9dc5;
/** The boundary marks around a word for its character trigrams: "<at>" has "<at" and "at>". */
const WORD_START = 0x3c;
const WORD_END = 0x3e;

const MIN_DIMENSIONS = 2 ** 10;
const MAX_DIMENSIONS = 2 ** 24;

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
 * The space is large (a million dimensions by default) and the vector
 * sparse: a text has a non-zero value for each of its distinct features
 * only, and two different features rarely share a dimension. Each kind of
 * feature has its own range of the space: word pairs the first quarter,
 * words the second, trigrams the upper half, which the index never posts
 * (`postedBelow` in unit-vector.ts): an added text costs a posting per word
 * and per pair, not per trigram.
 *
 * The n-grams are hashed straight from the folded string's character codes
 * into scratch arrays that the embedder keeps: per text, only the folded
 * string and the vector's two arrays are allocated.
 */
export class LocalEmbedder implements Embedder {
  readonly name = "local";
  readonly space: string;
  readonly dimensions: number;
  /** Where words start (pairs are below), and the masks of the pairs' and the trigrams' ranges. */
  readonly #quarter: number;
  readonly #pairMask: number;
  readonly #trigramMask: number;
  readonly #trigramStart: number;
  /**
   * The text being embedded, as a hash table from dimension to summed weight
   * (open addressing, linear probing; -1 is an empty slot), and the
   * dimensions it holds. Kept between texts and emptied after each.
   */
  #slots = new Int32Array(512).fill(-1);
  #sums = new Float64Array(512);
  #held = new Int32Array(256);
  #count = 0;
  /** The sums in the order of the sorted dimensions, while collecting. */
  #sorted = new Float64Array(256);

  constructor(options: LocalEmbedderOptions = {}) {
    const dimensions = options.dimensions ?? 2 ** 20;
    if (
      !Number.isInteger(Math.log2(dimensions)) ||
      dimensions < MIN_DIMENSIONS ||
      dimensions > MAX_DIMENSIONS
    ) {
      throw new RangeError(
        `local embedder dimensions must be a power of two from 2^10 to 2^24, not ${dimensions}`,
      );
    }
    this.dimensions = dimensions;
    // "ranged": the layout above. Vectors of the earlier layout (every feature over the whole space,
    // "local:sparse") are in another space, so entries made with it are never compared with these.
    this.space = `local:ranged:${dimensions}`;
    this.#quarter = dimensions / 4;
    this.#trigramStart = postedBelow(dimensions);
    this.#pairMask = dimensions / 4 - 1;
    this.#trigramMask = dimensions - postedBelow(dimensions) - 1;
  }

  embed(text: string, signal: AbortSignal): Promise<SparseVector> {
    if (signal.aborted) return Promise.reject(signal.reason);
    try {
      return Promise.resolve(this.vector(text));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The unit vector of a text; one with no value for a text with no letter or digit. */
  vector(text: string): SparseVector {
    const folded = foldText(text);
    let previous = 0;
    let havePrevious = false;
    let start = 0;
    while (start < folded.length) {
      let end = folded.indexOf(" ", start);
      if (end === -1) end = folded.length;
      const word = fnv(folded, start, end, WORD_SEED);
      this.#add(this.#quarter + (word & this.#pairMask), word, WORD * wordWeight(folded, start, end, word));
      if (havePrevious) {
        const pair = mix(Math.imul(previous, 31) ^ word ^ PAIR_SEED);
        this.#add(pair & this.#pairMask, pair, PAIR);
      }
      this.#trigrams(folded, start, end);
      previous = word;
      havePrevious = true;
      start = end + 1;
    }
    return this.#collect();
  }

  /** Adds the word's character trigrams, between its boundary marks (a word is never empty). */
  #trigrams(text: string, start: number, end: number): void {
    // Over "<word>", rolling: a and b are the trigram's first two characters, c its last.
    let a = WORD_START;
    let b = text.charCodeAt(start);
    for (let i = start + 1; i <= end; i++) {
      const c = i < end ? text.charCodeAt(i) : WORD_END;
      const h = Math.imul(
        Math.imul(Math.imul(TRIGRAM_BASIS ^ a, 0x01000193) ^ b, 0x01000193) ^ c,
        0x01000193,
      );
      const trigram = mix(h);
      this.#add(this.#trigramStart + (trigram & this.#trigramMask), trigram, TRIGRAM);
      a = b;
      b = c;
    }
  }

  /** Adds a feature at its dimension (its kind's range, picked by the hash's low bits); the hash's top bit is its sign. */
  #add(dimension: number, hash: number, weight: number): void {
    const signed = hash < 0 ? -weight : weight;
    const mask = this.#slots.length - 1;
    let slot = dimension & mask;
    for (;;) {
      const held = this.#slots[slot] as number;
      if (held === dimension) {
        this.#sums[slot] = (this.#sums[slot] as number) + signed;
        return;
      }
      if (held === -1) break;
      slot = (slot + 1) & mask;
    }
    this.#slots[slot] = dimension;
    this.#sums[slot] = signed;
    this.#held[this.#count++] = dimension;
    // Kept at most half full, so that probes stay short.
    if (this.#count * 2 >= this.#slots.length) this.#grow();
  }

  /** Doubles the table (and the list of dimensions), putting back what it holds. */
  #grow(): void {
    const slots = this.#slots;
    const sums = this.#sums;
    this.#slots = new Int32Array(slots.length * 2).fill(-1);
    this.#sums = new Float64Array(slots.length * 2);
    const held = new Int32Array(this.#held.length * 2);
    held.set(this.#held);
    this.#held = held;
    const mask = this.#slots.length - 1;
    for (let i = 0; i < slots.length; i++) {
      const dimension = slots[i] as number;
      if (dimension === -1) continue;
      let slot = dimension & mask;
      while (this.#slots[slot] !== -1) slot = (slot + 1) & mask;
      this.#slots[slot] = dimension;
      this.#sums[slot] = sums[i] as number;
    }
  }

  /** The gathered features as a unit sparse vector, sorted by dimension; empties the table. */
  #collect(): SparseVector {
    const count = this.#count;
    const dimensions = this.#held.subarray(0, count).sort();
    const slots = this.#slots;
    const sums = this.#sums;
    const mask = slots.length - 1;
    // One probe a dimension: its sum moves to the sorted list's place (in `sorted`), and its slot is emptied.
    if (this.#sorted.length < count) this.#sorted = new Float64Array(this.#held.length);
    const sorted = this.#sorted;
    let size = 0;
    let sumOfSquares = 0;
    for (let k = 0; k < count; k++) {
      const dimension = dimensions[k] as number;
      let slot = dimension & mask;
      // Emptied slots are probed past: the dimension is in the table, further along.
      while (slots[slot] !== dimension) slot = (slot + 1) & mask;
      const sum = sums[slot] as number;
      slots[slot] = -1;
      sorted[k] = sum;
      // Two features of opposite signs in one dimension can cancel out: a zero is not kept.
      if (sum !== 0) {
        size++;
        sumOfSquares += sum * sum;
      }
    }
    // One backing store for both arrays: allocating it is most of what a small typed array costs.
    const buffer = new ArrayBuffer(size * 8);
    const indices = new Uint32Array(buffer, 0, size);
    const values = new Float32Array(buffer, size * 4, size);
    const scale = size === 0 ? 0 : 1 / Math.sqrt(sumOfSquares);
    let j = 0;
    for (let k = 0; k < count; k++) {
      const sum = sorted[k] as number;
      if (sum === 0) continue;
      indices[j] = dimensions[k] as number;
      values[j++] = sum * scale;
    }
    this.#count = 0;
    return new SparseVector(this.dimensions, indices, values);
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
