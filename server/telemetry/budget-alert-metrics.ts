import { header, labels } from "./prometheus-text.ts";

const NAME = "llmgw_budget_alerts_total";

/** `llmgw_budget_alerts_total{scope,threshold}`: budget alerts fired, by level (key, team, global) and threshold. */
export class BudgetAlertMetrics {
  readonly #counts = new Map<string, { scope: string; threshold: string; count: number }>();

  count(scope: string, threshold: number): void {
    const id = `${scope}\u0000${threshold}`;
    const entry = this.#counts.get(id);
    if (entry === undefined) this.#counts.set(id, { scope, threshold: String(threshold), count: 1 });
    else entry.count++;
  }

  render(): string {
    let out = header(
      NAME,
      "counter",
      "Budget alerts fired, by budget level and the fraction of the cap crossed.",
    );
    for (const { scope, threshold, count } of this.#counts.values())
      out += `${NAME}${labels([
        ["scope", scope],
        ["threshold", threshold],
      ])} ${count}\n`;
    return out;
  }
}
