import type { Logger } from "pino";
import type { LimitsConfig } from "../config/limits-schema.ts";
import { accountPolicy } from "../policy/account/account-policy.ts";
import { metricsPolicy } from "../policy/account/metrics-policy.ts";
import { requestLogPolicy } from "../policy/account/request-log-policy.ts";
import { authPolicy } from "../policy/auth/auth-policy.ts";
import type { Authenticator } from "../policy/auth/authenticator.ts";
import { scopePolicy } from "../policy/auth/scope-policy.ts";
import { rateLimitPolicy } from "../policy/rate-limit/rate-limit-policy.ts";
import { validatePolicy } from "../policy/validate/validate-policy.ts";
import type { RetrySettings } from "../routing/attempt/backoff.ts";
import type { ConnectionPools } from "../routing/attempt/run-attempt.ts";
import type { ModelRouter } from "../routing/model-router.ts";
import { type PassthroughPlanner, routeWithPassthroughPolicy } from "../routing/passthrough-planner.ts";
import type { RoutePlanner } from "../routing/route-planner.ts";
import { routePolicy } from "../routing/route-policy.ts";
import type { LedgerSink } from "../state/ledger-sink.ts";
import type { LimitStore } from "../state/limit-store.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { compose, type Policy } from "./chain.ts";
import { type Pipeline, withEndHooks } from "./end-runner.ts";
import { execute } from "./execute.ts";

export interface PipelineDeps {
  readonly auth: Authenticator;
  readonly router: ModelRouter;
  /** Retries and fallbacks over the plan's deployments. */
  readonly retry: RetrySettings;
  /** Each provider's bounded wait for an upstream connection. */
  readonly pools: ConnectionPools;
  readonly planner: RoutePlanner;
  readonly ledger: LedgerSink;
  /** The `limits` config; with no rule in it, the rate-limit policy is left out. */
  readonly limits: LimitsConfig;
  readonly limitStore: LimitStore;
  /** Told when the limit store starts failing and answers again, for the degraded gauge. */
  readonly onLimitsDegraded?: (degraded: boolean) => void;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Log one line per request. */
  readonly logRequests: boolean;
  /** The budget policy, when budgets are configured (policy/budget/budget-setup.ts). */
  readonly budget?: Policy | undefined;
  /** Plans pass-through calls, when pass-through routes are configured. */
  readonly passthrough?: PassthroughPlanner | undefined;
}

/**
 * The policies, outermost first, as config switches them on. Metrics and
 * accounting come first so that they see every refusal; auth runs before
 * the body is decoded; rate limits need the decoded body (model, prompt
 * size) and come before routing; a policy that is off is `undefined` and
 * left out.
 */
function policies(deps: PipelineDeps): Array<Policy | undefined> {
  return [
    metricsPolicy(deps.metrics, deps.router),
    accountPolicy(deps.ledger, deps.log),
    deps.logRequests ? requestLogPolicy(deps.log) : undefined,
    authPolicy(deps.auth),
    validatePolicy,
    rateLimitPolicy(deps.limits, deps.limitStore, { log: deps.log, onDegraded: deps.onLimitsDegraded }),
    deps.passthrough === undefined
      ? routePolicy(deps.planner)
      : routeWithPassthroughPolicy(deps.planner, deps.passthrough),
    scopePolicy,
    deps.budget, // after route: the worst case is priced on the deployments the plan may try
  ];
}

/** Builds the pipeline once, at start-up: the policy chain around execution, inside the end-hook runner. */
export function buildPipeline(deps: PipelineDeps): Pipeline {
  const chain = compose(policies(deps), execute(deps.retry, deps.pools, []));
  return withEndHooks(chain, (error, call) =>
    deps.log.error({ err: error, requestId: call.requestId }, "an end hook failed"),
  );
}
