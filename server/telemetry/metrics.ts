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
  readonly #children = new Map<string, Series>();

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
    const series = this.#series(outcome);
    series.requests.inc();
    series.latency.observe(outcome.latencySeconds);
    if (outcome.ttftSeconds !== undefined) series.ttft.observe(outcome.ttftSeconds);
    if (outcome.promptTokens > 0) series.prompt.inc(outcome.promptTokens);
    if (outcome.completionTokens > 0) series.completion.inc(outcome.completionTokens);
  }

  /**
   * The labelled children for one outcome, made once per label combination.
   * prom-client otherwise hashes a label object on every call, which showed
   * up in the request path's profile.
   */
  #series(outcome: RequestOutcome): Series {
    const key = `${outcome.surface}\0${outcome.provider}\0${outcome.model}\0${outcome.status}`;
    let series = this.#children.get(key);
    if (series === undefined) {
      const { surface, provider, model, status } = outcome;
      series = {
        requests: this.#requests.labels({ surface, provider, model, status }),
        latency: this.#latency.labels({ provider, model }),
        ttft: this.#ttft.labels({ provider, model }),
        prompt: this.#tokens.labels({ provider, model, kind: "prompt" }),
        completion: this.#tokens.labels({ provider, model, kind: "completion" }),
      };
      this.#children.set(key, series);
    }
    return series;
  }
}

interface Series {
  readonly requests: { inc(value?: number): void };
  readonly latency: { observe(value: number): void };
  readonly ttft: { observe(value: number): void };
  readonly prompt: { inc(value?: number): void };
  readonly completion: { inc(value?: number): void };
}
