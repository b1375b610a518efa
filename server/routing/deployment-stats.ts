import type { DeploymentStats } from "./deployment.ts";

const ALPHA = 0.3;

/** Records one finished attempt (placeholder until the planner branch lands). */
export function recordAttempt(
  stats: DeploymentStats,
  sample: { failed: boolean; latencyMs: number; ttftMs?: number; interTokenMs?: number },
  _now: number,
): void {
  stats.attempts++;
  if (sample.failed) {
    stats.failures++;
    stats.consecutiveFailures++;
    return;
  }
  stats.consecutiveFailures = 0;
  stats.latencyMs =
    stats.latencyMs === 0 ? sample.latencyMs : stats.latencyMs + ALPHA * (sample.latencyMs - stats.latencyMs);
  if (sample.ttftMs !== undefined)
    stats.ttftMs = stats.ttftMs === 0 ? sample.ttftMs : stats.ttftMs + ALPHA * (sample.ttftMs - stats.ttftMs);
  if (sample.interTokenMs !== undefined)
    stats.interTokenMs =
      stats.interTokenMs === 0
        ? sample.interTokenMs
        : stats.interTokenMs + ALPHA * (sample.interTokenMs - stats.interTokenMs);
}
