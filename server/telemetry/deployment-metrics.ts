import type { BreakerState, Deployment } from "../routing/deployment.ts";
import { header, labels } from "./prometheus-text.ts";

/** Where the deployments to report come from (the routing table), read at each scrape. */
export type DeploymentSource = () => Iterable<Deployment>;

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

const GAUGES = [
  [
    "llmgw_deployment_in_flight",
    "Attempts on the deployment right now.",
    (d: Deployment) => d.live.stats.inFlight,
  ],
  [
    "llmgw_deployment_queue_depth",
    "Requests waiting for one of the deployment's slots.",
    (d: Deployment) => d.live.queue?.depth ?? 0,
  ],
  [
    "llmgw_deployment_breaker_state",
    "The deployment's circuit breaker: 0 closed, 1 half-open, 2 open.",
    (d: Deployment) => BREAKER_VALUE[d.live.breaker?.state ?? "closed"],
  ],
  [
    "llmgw_deployment_healthy",
    "1 when the deployment's health probes pass, else 0.",
    (d: Deployment) => (d.live.health.healthy ? 1 : 0),
  ],
  [
    "llmgw_deployment_latency_ewma_seconds",
    "Moving average of the deployment's whole-attempt latency.",
    (d: Deployment) => d.live.stats.latencyMs / 1000,
  ],
  [
    "llmgw_deployment_ttft_ewma_seconds",
    "Moving average of the deployment's time to first token on streams.",
    (d: Deployment) => d.live.stats.ttftMs / 1000,
  ],
] as const;

/**
 * Per-deployment gauges, computed from the deployments' live state at each
 * scrape (so the request path pays nothing for them), and a count of
 * breaker transitions by the state entered.
 */
export class DeploymentMetrics {
  #source: DeploymentSource | undefined;
  readonly #transitions = new Map<string, number>();

  watch(source: DeploymentSource): void {
    this.#source = source;
  }

  /** A breaker entered `state` (a BreakerListener). */
  readonly breakerChanged = (deploymentId: string, state: BreakerState): void => {
    const key = `${deploymentId}\u0000${state}`;
    this.#transitions.set(key, (this.#transitions.get(key) ?? 0) + 1);
  };

  render(): string {
    const source = this.#source;
    if (source === undefined) return "";
    const deployments = [...source()];
    let out = "";
    for (const [name, help, value] of GAUGES) {
      out += header(name, "gauge", help);
      for (const d of deployments)
        out += `${name}${labels([
          ["deployment", d.id],
          ["provider", d.provider],
        ])} ${value(d)}\n`;
    }
    out += header(
      "llmgw_breaker_transitions_total",
      "counter",
      "Circuit breaker state changes, by the state entered.",
    );
    for (const [key, count] of this.#transitions) {
      const [deployment, state] = key.split("\u0000") as [string, string];
      out += `llmgw_breaker_transitions_total${labels([
        ["deployment", deployment],
        ["state", state],
      ])} ${count}\n`;
    }
    return out;
  }
}
