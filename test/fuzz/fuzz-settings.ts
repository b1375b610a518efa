import type { Parameters } from "fast-check";

/**
 * How many cases each property runs. `npm test` runs a bounded number
 * (seconds); `npm run fuzz` sets LLMGW_FUZZ_RUNS for a long run, and
 * LLMGW_FUZZ_SEED replays a failing run exactly (fast-check prints the seed
 * and path of every failure).
 */
export function fuzzParameters<T>(bounded: number): Parameters<T> {
  const runs = Number(process.env.LLMGW_FUZZ_RUNS);
  const seed = Number(process.env.LLMGW_FUZZ_SEED);
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : bounded,
    ...(Number.isInteger(seed) ? { seed } : {}),
    // Every case is a real request to a real server: no time-based interruption.
    endOnFailure: true,
  };
}

/** The RSS growth allowed across a whole fuzz file: the gateway runs in the test's process. */
export const RSS_BOUND_BYTES = 160 * 1024 * 1024;
