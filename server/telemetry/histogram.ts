import { histogramLines } from "./prometheus-text.ts";

/**
 * Bucket bounds, in base units. LLM calls run from milliseconds (a cache
 * hit, a refusal) to minutes (a long reasoning stream), so the latency
 * buckets span both; the overhead buckets start at 100 µs, where a lean
 * gateway sits.
 */
export const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
] as const;
export const OVERHEAD_BUCKETS = [
  0.0001, 0.0002, 0.0003, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1,
  0.25, 1,
] as const;
export const INTER_TOKEN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
export const TOKENS_PER_SECOND_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;

/**
 * One histogram series as plain numbers: an observation is a short scan of
 * the bounds and two additions, with nothing allocated (prom-client's
 * per-call label handling was a visible share of the request path's CPU).
 */
export class Histogram {
  readonly bounds: readonly number[];
  /** Per bucket, not cumulative; values above the last bound are only in `count`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
  }

  /** Adds another histogram of the same bounds into this one (merging series at render). */
  add(other: Histogram): void {
    for (let i = 0; i < this.counts.length; i++)
      this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.sum += other.sum;
    this.count += other.count;
  }

  /** The series in Prometheus text, nothing when it has no observation. */
  render(name: string, pairs: ReadonlyArray<readonly [string, string]>): string {
    if (this.count === 0) return "";
    return histogramLines(name, pairs, this.bounds, this.counts, this.sum, this.count);
  }
}
