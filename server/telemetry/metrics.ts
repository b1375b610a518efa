import { collectDefaultMetrics, Registry } from "prom-client";
import { BudgetAlertMetrics } from "./budget-alert-metrics.ts";
import { BudgetSpendMetrics } from "./budget-spend-metrics.ts";
import { CacheMetrics } from "./cache-metrics.ts";
import { DeploymentMetrics } from "./deployment-metrics.ts";
import { GuardMetrics } from "./guard-metrics.ts";
import { OverloadMetrics } from "./overload-metrics.ts";
import { header } from "./prometheus-text.ts";
import { QueueMetrics } from "./queue-metrics.ts";
import { RequestMetrics, type RequestOutcome } from "./request-metrics.ts";
import { SinkMetrics } from "./sink-metrics.ts";
import { StateMetrics } from "./state-metrics.ts";

export type { RequestOutcome } from "./request-metrics.ts";

/**
 * The gateway's Prometheus metrics: the process metrics from prom-client (on
 * a registry of its own, so several gateways in one process, as in tests, do
 * not collide) and the gateway's own request metrics.
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #requests = new RequestMetrics();
  /** Per-deployment gauges (in flight, queue, breaker, health, latency) and breaker transitions. */
  readonly deployments = new DeploymentMetrics();
  readonly #budgetAlerts = new BudgetAlertMetrics();
  /** `llmgw_state_degraded{store}`, read at scrape from the sources registered with `watch`. */
  readonly state = new StateMetrics();
  /** The response cache's hits, misses, bypasses, lookup latency, sizes and cost saved. */
  readonly cache = new CacheMetrics();
  /** `llmgw_guard_verdicts_total`, counted by the metrics policy from each call's verdicts. */
  readonly guards = new GuardMetrics();
  /** `llmgw_queue_wait_seconds`, observed by the metrics policy for calls served by a queued deployment. */
  readonly queues = new QueueMetrics();
  /** `llmgw_budget_spend_ratio`, told by the budgets at each settlement. */
  readonly budgetSpend = new BudgetSpendMetrics();
  /** The ledger's and audit log's write failures, dropped records and lag. */
  readonly sinks = new SinkMetrics();
  /** The overload guard's admitted and shed requests, read at scrape (absent when the guard is off). */
  readonly overload = new OverloadMetrics();
  #authFailures = 0;

  constructor() {
    collectDefaultMetrics({ register: this.#registry, prefix: "llmgw_" });
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  observe(outcome: RequestOutcome): void {
    this.#requests.observe(outcome);
  }

  /** Counts a failed authentication, on any route (model calls also count it as a request). */
  countAuthFailure(): void {
    this.#authFailures++;
  }

  /** Counts a budget alert: `scope` is the budget's level (key, team, global). */
  countBudgetAlert(scope: string, threshold: number): void {
    this.#budgetAlerts.count(scope, threshold);
  }

  /** The whole exposition, for GET /metrics. */
  async text(): Promise<string> {
    const auth = `${header("llmgw_auth_failures_total", "counter", "Requests refused for a missing or invalid API key, on every route.")}llmgw_auth_failures_total ${this.#authFailures}\n`;
    return `${await this.#registry.metrics()}\n${this.#requests.render()}${auth}${this.#budgetAlerts.render()}${this.budgetSpend.render()}${this.state.render()}${this.deployments.render()}${this.guards.render()}${this.queues.render()}${this.sinks.render()}${this.overload.render()}${await this.cache.render()}`;
  }
}
