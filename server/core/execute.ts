import type { RetrySettings } from "../routing/attempt/backoff.ts";
import { fallbackOverPlan } from "../routing/attempt/fallback.ts";
import { attemptOn, type ConnectionPools } from "../routing/attempt/run-attempt.ts";
import { type AttemptPolicy, compose, type Next } from "./chain.ts";

/**
 * The terminal of the policy chain: the fallback and retry loop over the
 * call's plan, each attempt through the attempt policies (composed once,
 * here) and then the deployment's queue, its provider's connection pool,
 * the breaker, the timeouts and the adapter.
 */
export function execute(
  retry: RetrySettings,
  pools: ConnectionPools,
  attemptPolicies: ReadonlyArray<AttemptPolicy | undefined>,
): Next {
  return fallbackOverPlan(retry, compose(attemptPolicies, attemptOn(pools)));
}
