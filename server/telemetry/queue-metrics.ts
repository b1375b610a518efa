import { Histogram, LATENCY_BUCKETS } from "./histogram.ts";
import { header } from "./prometheus-text.ts";

const NAME = "llmgw_queue_wait_seconds";

/**
 * `llmgw_queue_wait_seconds{deployment,provider}`: how long calls served by
 * a queued deployment waited for one of its slots (the queue's depth is a
 * gauge in deployment-metrics.ts). Deployments come from config, so the
 * series are bounded.
 */
export class QueueMetrics {
  readonly #waits = new Map<string, { deployment: string; provider: string; h: Histogram }>();

  observe(deployment: string, provider: string, seconds: number): void {
    let entry = this.#waits.get(deployment);
    if (entry === undefined) {
      entry = { deployment, provider, h: new Histogram(LATENCY_BUCKETS) };
      this.#waits.set(deployment, entry);
    }
    entry.h.observe(seconds);
  }

  render(): string {
    let out = header(NAME, "histogram", "Time calls waited for a deployment's queue slot.");
    for (const { deployment, provider, h } of this.#waits.values())
      out += h.render(NAME, [
        ["deployment", deployment],
        ["provider", provider],
      ]);
    return out;
  }
}
