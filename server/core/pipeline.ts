import type { Logger } from "pino";
import type { LimitsConfig } from "../config/limits-schema.ts";
import { accountPolicy } from "../policy/account/account-policy.ts";
import { metricsPolicy } from "../policy/account/metrics-policy.ts";
import { requestLogPolicy, type TraceIdOf } from "../policy/account/request-log-policy.ts";
import type { AuditModes } from "../policy/audit/audit-mode.ts";
import { auditPolicy } from "../policy/audit/audit-policy.ts";
import { authPolicy } from "../policy/auth/auth-policy.ts";
import type { Authenticator } from "../policy/auth/authenticator.ts";
import { scopePolicy } from "../policy/auth/scope-policy.ts";
import type { BudgetPart } from "../policy/budget/budget-part.ts";
import { cachePolicy } from "../policy/cache/cache-policy.ts";
import type { Cache } from "../policy/cache/cache-setup.ts";
import { guardPolicy } from "../policy/guard/guard-policy.ts";
import type { GuardProfiles } from "../policy/guard/guard-profile.ts";
import { quotaPolicy } from "../policy/quota/quota-policy.ts";
import { LimitPart } from "../policy/rate-limit/limit-part.ts";
import { validatePolicy } from "../policy/validate/validate-policy.ts";
import type { RetrySettings } from "../routing/attempt/backoff.ts";
import type { ConnectionPools } from "../routing/attempt/run-attempt.ts";
import type { ModelRouter } from "../routing/model-router.ts";
import { type PassthroughPlanner, routeWithPassthroughPolicy } from "../routing/passthrough-planner.ts";
import type { RoutePlanner } from "../routing/route-planner.ts";
import { routePolicy } from "../routing/route-policy.ts";
import type { AuditSink } from "../state/audit-sink.ts";
import type { LedgerSink } from "../state/ledger-sink.ts";
import type { QuotaStore } from "../state/quota-store.ts";
import { hooksPolicy } from "../telemetry/hooks/hooks-policy.ts";
import type { TelemetryHooks } from "../telemetry/hooks/telemetry-hooks.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { attemptTracing } from "../telemetry/tracing/attempt-tracing.ts";
import type { Tracing } from "../telemetry/tracing/tracing.ts";
import { tracingPolicy } from "../telemetry/tracing/tracing-policy.ts";
import { compose, type Policy } from "./chain.ts";
import { type Pipeline, withEndHooks } from "./end-runner.ts";
import { execute } from "./execute.ts";
import { type LatencyWindow, latencyWindowPolicy } from "./latency-window.ts";
import { type UsageFeed, usageFeedPolicy } from "./usage-feed.ts";

export interface PipelineDeps {
  readonly auth: Authenticator;
  readonly router: ModelRouter;
  /** Retries and fallbacks over the plan's deployments. */
  readonly retry: RetrySettings;
  /** Each provider's bounded wait for an upstream connection. */
  readonly pools: ConnectionPools;
  readonly planner: RoutePlanner;
  readonly ledger: LedgerSink;
  /**
   * The `limits` config. The limits half is there even with no rule in it,
   * for stored keys' own limits (a call whose key has none then costs one
   * property read).
   */
  readonly limits: LimitsConfig;
  /** Where the quota policy admits and settles: memory embedded, one Redis distributed. */
  readonly quotaStore: QuotaStore;
  /** Told when the limit store starts failing and answers again, for the degraded gauge. */
  readonly onLimitsDegraded?: (degraded: boolean) => void;
  readonly metrics: Metrics;
  /** `metrics.per_key`: key names as metric labels. */
  readonly metricsPerKey?: boolean;
  readonly log: Logger;
  /** Log one line per request. */
  readonly logRequests: boolean;
  /** The trace id of a call, for the request log line, when tracing is on. */
  readonly traceIdOf?: TraceIdOf | undefined;
  /** The budgets' half of the quota policy (policy/budget/budget-setup.ts). */
  readonly budgets?: BudgetPart | undefined;
  /** The input guards' profiles, when `guards` is configured with anything on. */
  readonly guards?: GuardProfiles | undefined;
  /** Plans pass-through calls, when pass-through routes are configured. */
  readonly passthrough?: PassthroughPlanner | undefined;
  /** The audit log and its modes, when audit is on (absent: the policy is left out). */
  readonly audit?: { readonly sink: AuditSink; readonly modes: AuditModes } | undefined;
  /** The response cache, when `cache` is configured (absent: the policy is left out). */
  readonly cache?: Cache | undefined;
  /** The tracer, when `telemetry.otlp` is set (absent: no span is ever made). */
  readonly tracing?: Tracing | undefined;
  /** Telemetry hooks: an embedder's, the request webhooks (none: left out of the chain). */
  readonly hooks?: readonly TelemetryHooks[] | undefined;
  /** The live usage feed (WatchUsage). */
  readonly usageFeed?: UsageFeed | undefined;
  /** Recent latencies for GetStats. */
  readonly latencies?: LatencyWindow | undefined;
}

/**
 * The policies, outermost first, as config switches them on. Audit, metrics
 * and accounting come first so that they see every refusal; auth runs before
 * the body is decoded; the input guards scan the validated request before
 * anything is priced or routed; rate limits and budgets are admitted together, after
 * route and scope (the worst case is priced on the plan, and a call the key
 * may not make is refused before it counts); the cache sits just before them
 * (see cache-policy.ts); a policy that is off is
 * `undefined` and left out.
 */
function policies(deps: PipelineDeps): Array<Policy | undefined> {
  const limits = new LimitPart(deps.limits, { log: deps.log, onDegraded: deps.onLimitsDegraded });
  return [
    deps.tracing === undefined ? undefined : tracingPolicy(deps.tracing),
    ...(deps.hooks ?? []).map((hooks) => hooksPolicy(hooks, deps.log)),
    deps.usageFeed === undefined ? undefined : usageFeedPolicy(deps.usageFeed),
    deps.latencies === undefined ? undefined : latencyWindowPolicy(deps.latencies),
    deps.audit === undefined ? undefined : auditPolicy(deps.audit.sink, deps.audit.modes),
    metricsPolicy(deps.metrics, deps.router, { perKey: deps.metricsPerKey ?? false }),
    accountPolicy(deps.ledger, deps.log),
    deps.logRequests ? requestLogPolicy(deps.log, deps.traceIdOf) : undefined,
    authPolicy(deps.auth),
    validatePolicy,
    deps.guards === undefined ? undefined : guardPolicy(deps.guards, deps.log),
    deps.passthrough === undefined
      ? routePolicy(deps.planner)
      : routeWithPassthroughPolicy(deps.planner, deps.passthrough),
    scopePolicy,
    // After route and scope, before the quota: a hit is answered without charging a budget, and
    // passes through the rate limits alone (the same counters) when `cache.rate_limits_on_hit`.
    deps.cache === undefined
      ? undefined
      : cachePolicy({
          ...deps.cache.policy,
          onHit: deps.cache.rateLimitsOnHit ? quotaPolicy({ limits }, deps.quotaStore) : undefined,
        }),
    quotaPolicy({ limits, budgets: deps.budgets }, deps.quotaStore),
  ];
}

/** Builds the pipeline once, at start-up: the policy chain around execution, inside the end-hook runner. */
export function buildPipeline(deps: PipelineDeps): Pipeline {
  const chain = compose(
    policies(deps),
    execute(deps.retry, deps.pools, [deps.tracing === undefined ? undefined : attemptTracing(deps.tracing)]),
  );
  return withEndHooks(chain, (error, call) =>
    deps.log.error({ err: error, requestId: call.requestId }, "an end hook failed"),
  );
}
