import { type SparseVector, sparseDot } from "../unit-vector.ts";

/** The best row a query found, and its exact dot product with the query. */
export interface PostingMatch {
  readonly ref: number;
  readonly score: number;
}

/** Compaction waits for this many removed rows at least, so that a few removals never rewrite the lists. */
const MIN_DEAD_TO_COMPACT = 256;
/** …and for removed rows to be this share of the live ones (their postings are walked and skipped meanwhile). */
const DEAD_SHARE_TO_COMPACT = 1 / 4;
/** Past the lists a query must walk, it walks those of no more postings than this share of the rows, or this many. */
const CHEAP_LIST_SHARE = 1 / 16;
const CHEAP_LIST_MIN = 64;
/** A query's dimensions are ordered by a float64 key, `cost * ORDER_SLOTS + k`: k below 2^20, cost clamped to 2^32. */
const ORDER_SLOTS = 2 ** 20;
const MAX_COST = 2 ** 32;
/** Slack for float32 rounding in the bounds, so that rounding never prunes a row that is a match. */
const EPSILON = 1e-5;

/**
 * An inverted index over sparse unit vectors (the local embedder's): for each
 * dimension, a list of the rows with a value there, as one array of
 * `[ref, value, ref, value, …]`. Rows are named by small integer refs that it
 * hands out.
 *
 * A query never scores every row. Both it and the rows are unit vectors, so
 * the part of a dot product over any set R of the query's dimensions is at
 * most |q_R| (Cauchy–Schwarz, with |x| = 1), and a dimension no row has adds
 * nothing. The query therefore walks its dimensions' lists cheapest first
 * (shortest list for the weight it carries) and sums each row's partial dot
 * product, until what is left unwalked, |q_rest|, is below the threshold: a
 * row met in none of the walked lists cannot reach it. It then walks on
 * through the lists that stay cheap, which tightens the bound. Every row it
 * met whose partial sum plus |q_rest| could still reach the best so far is
 * scored exactly (one merge with the row's vector); and the walk stops as
 * soon as the highest partial sum plus |q_rest| is below the threshold,
 * since then no row can reach it. On the local embedder's
 * vectors the cheap lists are those of word pairs and rare words, and a
 * miss ends having scored next to nothing. The result is exact: the row
 * brute force would find.
 *
 * Rows may post only their values below `postedBelow` (the local
 * embedder's words and word pairs, not its trigrams): a query counts its
 * own weight above that as never walked, so the bound stays true, and when
 * that weight alone could reach the threshold it scores every row instead.
 *
 * A removed row's postings stay in the lists, skipped, until removed rows
 * are a quarter of the live ones; then every list is compacted at once and
 * the refs are reused.
 */
export class SparseVectorPostings {
  /** Only dimensions below this are posted (see `postedBelow` in unit-vector.ts); Infinity posts them all. */
  readonly postedBelow: number;
  readonly #lists = new Map<number, number[]>();
  /** Each live ref's vector (undefined once removed). */
  #vectors: (SparseVector | undefined)[] = [];
  /** 1 for a removed ref whose postings are still in the lists. */
  #dead = new Uint8Array(64);
  /** Per ref: the query that last met it, and its partial dot product in that query. */
  #stamp = new Int32Array(64);
  #scores = new Float64Array(64);
  /** The refs the current query met. */
  #met = new Int32Array(64);
  #epoch = 0;
  /** How many refs the current query met. */
  #metCount = 0;
  /** Per query dimension (scratch, grown as needed): its order key and its list. */
  #order = new Float64Array(64);
  #queryLists: (number[] | undefined)[] = [];
  /** The current query's squared weight in dimensions that are never posted: unwalked, whatever the walk does. */
  #unposted = 0;
  #nextRef = 0;
  readonly #free: number[] = [];
  #deadCount = 0;
  #liveCount = 0;
  #postingCount = 0;

  /**
   * `postedBelow`: rows post their values in lower dimensions only. A query counts its weight at or
   * above it as never walked, which keeps the search exact; when that weight alone could reach the
   * threshold, it scores every live row instead.
   */
  constructor(postedBelow = Number.POSITIVE_INFINITY) {
    this.postedBelow = postedBelow;
  }

  /** Live rows. */
  get count(): number {
    return this.#liveCount;
  }

  /** Postings held, removed rows' included until compaction. */
  get postings(): number {
    return this.#postingCount;
  }

  /** Indexes a row's non-zero values below `postedBelow`; returns the ref that names it. */
  add(vector: SparseVector): number {
    const ref = this.#free.pop() ?? this.#newRef();
    this.#dead[ref] = 0;
    this.#vectors[ref] = vector;
    this.#liveCount++;
    const indices = vector.indices;
    const values = vector.values;
    const below = this.postedBelow;
    let k = 0;
    // The dimensions are in ascending order: the posted ones come first.
    for (; k < indices.length; k++) {
      const dimension = indices[k] as number;
      if (dimension >= below) break;
      const list = this.#lists.get(dimension);
      if (list === undefined) this.#lists.set(dimension, [ref, values[k] as number]);
      else list.push(ref, values[k] as number);
    }
    this.#postingCount += k;
    return ref;
  }

  /** Forgets a row: its postings are skipped from now on and dropped at the next compaction. */
  remove(ref: number): void {
    if (this.#dead[ref] === 1 || this.#vectors[ref] === undefined) return;
    this.#dead[ref] = 1;
    this.#vectors[ref] = undefined;
    this.#liveCount--;
    this.#deadCount++;
    if (
      this.#deadCount >= MIN_DEAD_TO_COMPACT &&
      this.#deadCount >= this.#liveCount * DEAD_SHARE_TO_COMPACT
    ) {
      this.#compact();
    }
  }

  /**
   * The live row with the highest dot product with `query` that is at least
   * `threshold` (above 0) and that `accept` lets through (it skips expired
   * rows), or undefined. `accept` should be one function made once, not per query.
   */
  best(query: SparseVector, threshold: number, accept: (ref: number) => boolean): PostingMatch | undefined {
    const n = query.indices.length;
    if (n === 0 || this.#liveCount === 0) return undefined;
    const floor = Math.max(threshold, EPSILON);
    const reachable = this.#orderDimensions(query);
    if (reachable === 0 && this.#unposted === 0) return undefined;
    const rest = this.#walk(query, reachable, floor);
    // What was never walked could reach the floor on its own: a row met in no list may be the match.
    if (Math.sqrt(rest) + EPSILON >= floor) return this.#scan(query, floor, accept);
    return this.#bestMet(query, rest, floor, accept);
  }

  /** Every live row scored exactly: for a query whose weight is mostly where nothing is posted. */
  #scan(query: SparseVector, floor: number, accept: (ref: number) => boolean): PostingMatch | undefined {
    let bestRef = -1;
    let bestScore = floor;
    for (let ref = 0; ref < this.#nextRef; ref++) {
      const vector = this.#vectors[ref];
      if (vector === undefined || !accept(ref)) continue;
      const score = sparseDot(query, vector);
      if (score >= bestScore) {
        bestScore = score;
        bestRef = ref;
      }
    }
    return bestRef === -1 ? undefined : { ref: bestRef, score: bestScore };
  }

  /**
   * Fills the order scratch with the query's dimensions that have a list,
   * cheapest first (list length over the squared weight); returns how many.
   */
  #orderDimensions(query: SparseVector): number {
    const n = query.indices.length;
    if (n > this.#order.length) this.#order = new Float64Array(Math.max(n, this.#order.length * 2));
    const order = this.#order;
    const lists = this.#queryLists;
    const below = this.postedBelow;
    let reachable = 0;
    let unposted = 0;
    for (let k = 0; k < n; k++) {
      const dimension = query.indices[k] as number;
      if (dimension >= below) {
        // Ascending: this value and every one after it are where nothing is posted.
        for (let u = k; u < n; u++) unposted += (query.values[u] as number) ** 2;
        break;
      }
      const list = this.#lists.get(dimension);
      lists[k] = list;
      if (list === undefined) continue;
      const weight = query.values[k] as number;
      const cost = Math.min(Math.floor(list.length / (2 * weight * weight)), MAX_COST);
      // Past ORDER_SLOTS dimensions the keys would collide: keep the query's own order.
      order[reachable++] = n < ORDER_SLOTS ? cost * ORDER_SLOTS + k : k;
    }
    if (n < ORDER_SLOTS) order.subarray(0, reachable).sort();
    this.#unposted = unposted;
    return reachable;
  }

  /**
   * Walks the ordered lists, summing each met row's partial dot product;
   * returns what is left unwalked, as the squared norm of the query's
   * remaining reachable dimensions (0 when every list was walked).
   */
  #walk(query: SparseVector, reachable: number, floor: number): number {
    const packed = query.indices.length < ORDER_SLOTS;
    const order = this.#order;
    let rest = this.#unposted;
    for (let i = 0; i < reachable; i++) {
      const w = query.values[packed ? (order[i] as number) % ORDER_SLOTS : (order[i] as number)] as number;
      rest += w * w;
    }
    const epoch = this.#nextEpoch();
    const stamp = this.#stamp;
    const scores = this.#scores;
    const met = this.#met;
    const cheap = 2 * Math.max(CHEAP_LIST_MIN, Math.floor(this.#liveCount * CHEAP_LIST_SHARE));
    const mustReach = floor * floor * (1 - EPSILON);
    let count = 0;
    // The highest partial sum so far (0 for a row not met): no row can score more than it plus |q_rest|.
    let top = 0;
    for (let i = 0; i < reachable; i++) {
      const k = packed ? (order[i] as number) % ORDER_SLOTS : (order[i] as number);
      const list = this.#queryLists[k] as number[];
      if (rest < mustReach) {
        // Unwalked, the rest can no longer reach the floor on its own: only cheap lists are still worth it…
        if (list.length > cheap) break;
        // …and none at all once no row met can reach it either (the bound #bestMet would apply to each).
        if (top + Math.sqrt(rest) + EPSILON < floor) {
          this.#metCount = 0;
          return rest;
        }
      }
      const weight = query.values[k] as number;
      for (let p = 0; p < list.length; p += 2) {
        const ref = list[p] as number;
        if (stamp[ref] !== epoch) {
          stamp[ref] = epoch;
          scores[ref] = 0;
          met[count++] = ref;
        }
        const score = (scores[ref] as number) + weight * (list[p + 1] as number);
        scores[ref] = score;
        if (score > top) top = score;
      }
      rest -= weight * weight;
    }
    this.#metCount = count;
    return rest > EPSILON * EPSILON ? rest : 0;
  }

  /** Of the rows the walk met, the best that can still reach the floor, each scored exactly. */
  #bestMet(
    query: SparseVector,
    rest: number,
    floor: number,
    accept: (ref: number) => boolean,
  ): PostingMatch | undefined {
    const bound = rest === 0 ? 0 : Math.sqrt(rest) + EPSILON;
    const scores = this.#scores;
    const met = this.#met;
    const dead = this.#dead;
    let bestRef = -1;
    let bestScore = floor;
    for (let i = 0; i < this.#metCount; i++) {
      const ref = met[i] as number;
      const partial = scores[ref] as number;
      if (partial + bound < bestScore || dead[ref] === 1 || !accept(ref)) continue;
      const score = rest === 0 ? partial : sparseDot(query, this.#vectors[ref] as SparseVector);
      if (score >= bestScore) {
        bestScore = score;
        bestRef = ref;
      }
    }
    return bestRef === -1 ? undefined : { ref: bestRef, score: bestScore };
  }

  #newRef(): number {
    const ref = this.#nextRef++;
    if (ref === this.#dead.length) {
      const capacity = ref * 2;
      const dead = new Uint8Array(capacity);
      dead.set(this.#dead);
      this.#dead = dead;
      // Stamps and scores live for one query only: fresh arrays and a fresh epoch lose nothing.
      this.#stamp = new Int32Array(capacity);
      this.#scores = new Float64Array(capacity);
      this.#met = new Int32Array(capacity);
      this.#epoch = 0;
    }
    return ref;
  }

  #nextEpoch(): number {
    // Kept a small integer, so that the walk compares integers.
    if (this.#epoch === 0x3fffffff) {
      this.#stamp.fill(0);
      this.#epoch = 0;
    }
    return ++this.#epoch;
  }

  /** Drops every removed row's postings (and the lists left empty), and frees their refs. */
  #compact(): void {
    const dead = this.#dead;
    let postings = 0;
    for (const [dimension, list] of this.#lists) {
      let kept = 0;
      for (let p = 0; p < list.length; p += 2) {
        const ref = list[p] as number;
        if (dead[ref] === 1) continue;
        list[kept] = ref;
        list[kept + 1] = list[p + 1] as number;
        kept += 2;
      }
      if (kept === 0) this.#lists.delete(dimension);
      else list.length = kept;
      postings += kept / 2;
    }
    for (let ref = 0; ref < this.#nextRef; ref++) {
      if (dead[ref] === 1) {
        dead[ref] = 0;
        this.#free.push(ref);
      }
    }
    this.#deadCount = 0;
    this.#postingCount = postings;
  }
}
