import type { DeploymentHealth, DeploymentLive, DeploymentStats } from "./deployment.ts";

/** Fresh statistics: nothing measured yet. */
export function newStats(): DeploymentStats {
  return {
    inFlight: 0,
    latencyMs: 0,
    ttftMs: 0,
    interTokenMs: 0,
    attempts: 0,
    failures: 0,
    consecutiveFailures: 0,
    measuredAt: 0,
  };
}

/** Healthy until a probe says otherwise. */
export function newHealth(): DeploymentHealth {
  return { healthy: true, reason: "", checkedAt: 0 };
}

/** The live side of a deployment with no queue and no breaker. */
export function plainLive(): DeploymentLive {
  return { stats: newStats(), health: newHealth(), queue: undefined, breaker: undefined };
}
