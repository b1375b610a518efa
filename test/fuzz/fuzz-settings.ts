import type { Parameters } from "fast-check";

/**
 * How many cases each property runs. `npm test` runs a bounded number
 * (seconds); `npm run fuzz` sets LLMGW_FUZZ_RUNS for a long run, and
 * LLMGW_FUZZ_SEED replays a failing run exactly (fast-check prints the seed
 * and path of every failure).
 */
export function fuzzParameters<T>(bounded: number): Parameters<T> {
  const runs = longRuns();
  const seed = Number(process.env.LLMGW_FUZZ_SEED);
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : bounded,
    ...(Number.isInteger(seed) ? { seed } : {}),
    // Every case is a real request to a real server: no time-based interruption.
    endOnFailure: true,
  };
}

function longRuns(): number {
  return Number(process.env.LLMGW_FUZZ_RUNS);
}

/** A test's time limit: vitest's 30 s for the bounded run, about half a second a case for a long one. */
export function fuzzTimeoutMs(): number {
  const runs = longRuns();
  return Number.isInteger(runs) && runs > 0 ? Math.max(30_000, runs * 500) : 30_000;
}

/**
 * Memory in use, for a bound across a whole fuzz file (the gateway runs in
 * the test's process). With `--expose-gc` (`npm run fuzz` sets it), the JS
 * heap after a full collection: what is still held, so a leak shows however
 * long the run. Without it, RSS, which only bounds a short run.
 */
export function memoryInUse(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return process.memoryUsage.rss();
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The growth of `memoryInUse()` allowed across one fuzz file. */
export const MEMORY_BOUND_BYTES =
  (globalThis as { gc?: unknown }).gc === undefined ? 160 * 1024 * 1024 : 48 * 1024 * 1024;
