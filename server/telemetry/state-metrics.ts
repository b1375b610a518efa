import { header, labels } from "./prometheus-text.ts";

const NAME = "llmgw_state_degraded";

/** The state stores the gauge reports on. */
export type StateStore = "limits" | "budgets" | "cache";

/**
 * `llmgw_state_degraded{store}`: 1 while a policy's state store (the limit
 * or budget counters) is failing, 0 when it answers. Read at scrape from the
 * sources the gateway registers (the Redis connection, the policies'
 * degraded flags), so nothing is updated per request. A store nobody
 * registered (a policy that is not configured) is not reported.
 */
export class StateMetrics {
  readonly #sources = new Map<StateStore, () => boolean>();

  watch(store: StateStore, degraded: () => boolean): void {
    this.#sources.set(store, degraded);
  }

  render(): string {
    if (this.#sources.size === 0) return "";
    let out = header(NAME, "gauge", "1 while a state store (limits, budgets, cache) is failing, else 0.");
    for (const [store, degraded] of this.#sources)
      out += `${NAME}${labels([["store", store]])} ${degraded() ? 1 : 0}\n`;
    return out;
  }
}
