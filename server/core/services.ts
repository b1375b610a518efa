import type { BenchmarkRunner } from "../benchmark/benchmark-runner.ts";
import type { Authenticator } from "../policy/auth/authenticator.ts";
import type { BudgetControl } from "../policy/budget/budget-control.ts";
import type { CacheControl } from "../policy/cache/cache-control.ts";
import type { ModelCatalog } from "../routing/model-router.ts";
import type { ResponseStore } from "../state/response-store.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { AuditLog } from "./audit-log.ts";
import type { Pipeline } from "./end-runner.ts";
import type { InFlight } from "./in-flight.ts";
import type { KeyAdmin } from "./key-admin.ts";
import type { LatencyWindow } from "./latency-window.ts";
import type { Readiness } from "./readiness.ts";
import type { RoutingControl } from "./routing-control.ts";
import type { UsageFeed } from "./usage-feed.ts";
import type { UsageQueries } from "./usage-queries.ts";

/**
 * What the surfaces may use, and nothing more: the pipeline for model calls,
 * and narrow services for the rest. A surface builds a Call, runs the
 * pipeline and renders; it never reaches the router, the ledger or an adapter.
 */
export interface GatewayServices {
  readonly pipeline: Pipeline;
  /** The calls being served; surfaces register each one so deadlines and shutdown reach it. */
  readonly inFlight: InFlight;
  /** Authentication for the routes outside the chain (models, usage). */
  readonly auth: Authenticator;
  readonly catalog: ModelCatalog;
  readonly usage: UsageQueries;
  /** Every request's end, live, for `UsageService.WatchUsage`. */
  readonly usageFeed: UsageFeed;
  /** Recent latency percentiles per provider and model, for `UsageService.GetStats`. */
  readonly latencies: LatencyWindow;
  /** Key management (admin keys only). */
  readonly keys: KeyAdmin;
  /** Route explanations, the deployments' live state, and the routing config (read and replace). */
  readonly routing: RoutingControl;
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  /** Stored Responses API answers, for `previous_response_id` and `/v1/responses/{id}`. */
  readonly responses: StoredResponses;
  /** Budgets' standing and runtime changes (undefined only where a test builds services without them). */
  readonly budgets?: BudgetControl | undefined;
  /** Reading the audit log (admin keys only); absent where a test builds services without it. */
  readonly audit?: AuditLog | undefined;
  /** The response cache's stats, invalidation and dry-run lookup; absent when the cache is off. */
  readonly cache?: CacheControl | undefined;
  /** The model benchmark suite's runs; absent where a test builds services without it. */
  readonly benchmarks?: BenchmarkRunner | undefined;
}

/** What the Responses surface may do with the response store: no listing, no closing. */
export type StoredResponses = Pick<ResponseStore, "put" | "get" | "delete">;
