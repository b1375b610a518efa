import { header, labels } from "./prometheus-text.ts";

const NAME = "llmgw_budget_spend_ratio";

interface Reading {
  readonly level: string;
  /** The team's name, the key's name, or "" (global; every key when per-key metrics are off). */
  readonly name: string;
  readonly unit: string;
  readonly period: string;
  ratio: number;
}

/**
 * `llmgw_budget_spend_ratio{level,name,unit,period}`: each budget's settled
 * spend over its cap, as of its last settlement (1 is exhausted). Team and
 * global budgets are reported by name. Key budgets carry the key's name only
 * with `metrics.per_key`; otherwise one series per unit and period reports
 * the key closest to its cap, which is what an alert wants.
 */
export class BudgetSpendMetrics {
  perKey = false;
  readonly #readings = new Map<string, Reading>();

  /** A settlement left `scope` (`usd:key:alice`, `tokens:team:search`, `usd:global`) at `spent` of `cap`. */
  observe(level: string, scope: string, period: string, spent: number, cap: number): void {
    const id = `${scope}\0${period}`;
    const ratio = cap > 0 ? spent / cap : 0;
    const reading = this.#readings.get(id);
    if (reading !== undefined) {
      reading.ratio = ratio;
      return;
    }
    const [unit = "", , ...rest] = scope.split(":");
    this.#readings.set(id, { level, name: rest.join(":"), unit, period, ratio });
  }

  render(): string {
    if (this.#readings.size === 0) return "";
    const series = new Map<string, { pairs: Array<[string, string]>; ratio: number }>();
    for (const r of this.#readings.values()) {
      const name = r.level === "key" && !this.perKey ? "" : r.name;
      const id = `${r.level}\0${name}\0${r.unit}\0${r.period}`;
      const known = series.get(id);
      if (known !== undefined) known.ratio = Math.max(known.ratio, r.ratio);
      else
        series.set(id, {
          pairs: [
            ["level", r.level],
            ["name", name],
            ["unit", r.unit],
            ["period", r.period],
          ],
          ratio: r.ratio,
        });
    }
    let out = header(NAME, "gauge", "A budget's settled spend over its cap, as of its last settlement.");
    for (const { pairs, ratio } of series.values()) out += `${NAME}${labels(pairs)} ${ratio}\n`;
    return out;
  }
}
