import type { Deployment, DeploymentLive, DeploymentTimeouts } from "./deployment.ts";
import { plainLive } from "./deployment-live.ts";
import type { Route } from "./model-router.ts";

/** The timeouts of a deployment nobody configured: routing.timeouts' defaults. */
export const DEFAULT_TIMEOUTS: DeploymentTimeouts = {
  totalMs: 600_000,
  ttftMs: 60_000,
  unaryFirstByteMs: 600_000,
  interTokenMs: 30_000,
};

/**
 * A catalogue route as a deployment with default settings: what a model name
 * the routing config does not list resolves to.
 */
export function adHocDeployment(
  route: Route,
  timeouts: DeploymentTimeouts = DEFAULT_TIMEOUTS,
  live: DeploymentLive = plainLive(),
): Deployment {
  return {
    adapter: route.adapter,
    provider: route.provider,
    model: route.model,
    pricing: route.pricing,
    id: `${route.provider}:${route.model}`,
    weight: 1,
    priority: 0,
    tags: [],
    local: false,
    quality: undefined,
    facts: {},
    timeouts,
    live,
  };
}
