import type { DeploymentStats } from "./deployment.ts";

/**
 * The weight of the newest sample in the latency averages. At 0.3 a sample
 * falls below 3 % of the average after ten more, so a deployment that turns
 * slow is noticed within a handful of requests, while one odd request moves
 * the average by less than a third of its difference.
 */
export const EWMA_ALPHA = 0.3;

/**
 * How long a measurement stays current. An older one counts as unmeasured,
 * so strategies try the deployment again: one that was slow once is not
 * shunned for ever on a stale number.
 */
export const STALE_AFTER_MS = 30_000;

/** One finished attempt, as the attempt loop measured it. */
export interface AttemptSample {
  readonly failed: boolean;
  /** The whole attempt, ms. */
  readonly latencyMs: number;
  /** Streams only: time to the first token, ms. */
  readonly ttftMs?: number;
  /** Streams only: the mean gap between tokens, ms. */
  readonly interTokenMs?: number;
}

/**
 * Records a finished attempt in a deployment's statistics. A failure counts
 * but leaves the latency averages alone: a refused connection is fast and
 * would make a broken deployment look like the quickest. The first sample
 * of each average seeds it. `inFlight` is the attempt loop's to keep.
 */
export function recordAttempt(stats: DeploymentStats, sample: AttemptSample, now: number): void {
  stats.attempts++;
  stats.measuredAt = now;
  if (sample.failed) {
    stats.failures++;
    stats.consecutiveFailures++;
    return;
  }
  stats.consecutiveFailures = 0;
  // Successes before this one: the latency average is seeded by the first.
  const seeded = stats.attempts - stats.failures > 1;
  stats.latencyMs = seeded ? ewma(stats.latencyMs, sample.latencyMs) : sample.latencyMs;
  if (sample.ttftMs !== undefined)
    stats.ttftMs = stats.ttftMs > 0 ? ewma(stats.ttftMs, sample.ttftMs) : sample.ttftMs;
  if (sample.interTokenMs !== undefined)
    stats.interTokenMs =
      stats.interTokenMs > 0 ? ewma(stats.interTokenMs, sample.interTokenMs) : sample.interTokenMs;
}

/** Whether the statistics hold a measurement recent enough to route on. */
export function isFresh(stats: DeploymentStats, now: number): boolean {
  return stats.measuredAt > 0 && now - stats.measuredAt <= STALE_AFTER_MS;
}

/** Whether any attempt on the deployment has succeeded, so its latency average means something. */
export function hasSucceeded(stats: DeploymentStats): boolean {
  return stats.attempts > stats.failures;
}

function ewma(average: number, sample: number): number {
  return average + EWMA_ALPHA * (sample - average);
}
