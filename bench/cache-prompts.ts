/**
 * The questions the cache benches send (bench/cache-cost.ts through real gateways, and
 * bench/cache-miss-cost.ts in-process), so that both measure the same texts: random sentences from one
 * fixed vocabulary of a shop's support desk, drawn by a seeded generator, so every run sends the same
 * ones and no two are near enough for the semantic cache to match.
 */

export const WORDS = (
  "order parcel delivery refund invoice account password warehouse tracking express store collect " +
  "birthday present paperback hardback author novel poem chapter edition price discount voucher " +
  "shipping address postcode phone email receipt return damaged missing late early weekend monday " +
  "tuesday wednesday thursday friday saturday sunday morning evening please thanks urgent today " +
  "tomorrow yesterday week month year card payment declined charged twice cancel change switch " +
  "upgrade gift wrap message note courier van driver door neighbour safe place signature photo"
).split(" ");

/** mulberry32, seeded: every run draws the same numbers. */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A question maker: each call, `words` random words of WORDS and a question mark. */
export function questions(seed: number, words: number): () => string {
  const random = generator(seed);
  return () =>
    `${Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ")}?`;
}
