import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** The label values one finished request reports. */
export interface RequestOutcome {
  readonly surface: string;
  readonly provider: string;
  readonly model: string;
  readonly status: string;
  readonly latencySeconds: number;
  readonly ttftSeconds: number | undefined;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The gateway's Prometheus metrics, on a registry of its own so several
 * gateways in one process (as in tests) do not collide.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"surface" | "provider" | "model" | "status">;
  readonly #latency: Histogram<"provider" | "model">;
  readonly #ttft: Histogram<"provider" | "model">;
  readonly #tokens: Counter<"provider" | "model" | "kind">;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "llmgw_" });
    this.#requests = new Counter({
      name: "llmgw_requests_total",
      help: "Requests served, by surface, provider, model and outcome.",
      labelNames: ["surface", "provider", "model", "status"],
      registers: [this.registry],
    });
    this.#latency = new Histogram({
      name: "llmgw_request_duration_seconds",
      help: "Time from request to last byte.",
      labelNames: ["provider", "model"],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.#ttft = new Histogram({
      name: "llmgw_time_to_first_token_seconds",
      help: "Time from request to the first generated token of a stream.",
      labelNames: ["provider", "model"],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.#tokens = new Counter({
      name: "llmgw_tokens_total",
      help: "Tokens processed, by kind (prompt or completion).",
      labelNames: ["provider", "model", "kind"],
      registers: [this.registry],
    });
  }

  observe(outcome: RequestOutcome): void {
    const { provider, model } = outcome;
    this.#requests.inc({ surface: outcome.surface, provider, model, status: outcome.status });
    this.#latency.observe({ provider, model }, outcome.latencySeconds);
    if (outcome.ttftSeconds !== undefined) this.#ttft.observe({ provider, model }, outcome.ttftSeconds);
    if (outcome.promptTokens > 0) this.#tokens.inc({ provider, model, kind: "prompt" }, outcome.promptTokens);
    if (outcome.completionTokens > 0) {
      this.#tokens.inc({ provider, model, kind: "completion" }, outcome.completionTokens);
    }
  }
}
