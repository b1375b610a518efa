/**
 * Budget amounts are fractional (USD) but every backend adds and compares
 * them as whole micro-units (millionths of a dollar, or of a token), so that
 * 0.1 + 0.1 + 0.1 fits a cap of 0.3 and a settled reservation leaves exactly
 * 0 behind, in memory and on Redis alike. Each amount is rounded once, on the
 * way in; sums are exact up to 2^53 micro-units (about 9 billion dollars or
 * tokens per counter).
 */
export const MICROS_PER_UNIT = 1_000_000;

/** The largest cap a budget counts exactly: 2^53 micro-units, about 9 billion dollars or tokens. */
export const MAX_BUDGET_CAP = Math.floor(Number.MAX_SAFE_INTEGER / MICROS_PER_UNIT);

/** An amount in whole micro-units (half away from zero; the same amount always rounds the same way). */
export function toMicros(amount: number): number {
  if (!Number.isFinite(amount)) throw new RangeError(`budget amount must be finite, got ${amount}`);
  return Math.sign(amount) * Math.round(Math.abs(amount) * MICROS_PER_UNIT);
}

/** Micro-units back to the caller's unit. */
export function fromMicros(micros: number): number {
  return micros / MICROS_PER_UNIT;
}
