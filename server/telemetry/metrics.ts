import { collectDefaultMetrics, Registry } from "prom-client";
import { RequestMetrics, type RequestOutcome } from "./request-metrics.ts";

export type { RequestOutcome } from "./request-metrics.ts";

/**
 * The gateway's Prometheus metrics: the process metrics from prom-client (on
 * a registry of its own, so several gateways in one process, as in tests, do
 * not collide) and the gateway's own request metrics.
 */
export class Metrics {
  readonly #registry = new Registry();
  readonly #requests = new RequestMetrics();

  constructor() {
    collectDefaultMetrics({ register: this.#registry, prefix: "llmgw_" });
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  observe(outcome: RequestOutcome): void {
    this.#requests.observe(outcome);
  }

  /** The whole exposition, for GET /metrics. */
  async text(): Promise<string> {
    return `${await this.#registry.metrics()}\n${this.#requests.render()}`;
  }
}
