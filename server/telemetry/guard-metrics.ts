import { header, labels } from "./prometheus-text.ts";

const NAME = "llmgw_guard_verdicts_total";

/**
 * `llmgw_guard_verdicts_total{rule,type,action,where}`: what the guards
 * found and did. Every label comes from the gateway's own rule set (the
 * built-in kinds and the configured custom rules' names), never from a
 * request, so the series are bounded.
 */
export class GuardMetrics {
  readonly #counts = new Map<string, { pairs: Array<[string, string]>; count: number }>();

  count(rule: string, type: string, action: string, where: string): void {
    const id = `${rule}\0${type}\0${action}\0${where}`;
    const entry = this.#counts.get(id);
    if (entry !== undefined) {
      entry.count++;
      return;
    }
    const pairs: Array<[string, string]> = [
      ["rule", rule],
      ["type", type],
      ["action", action],
      ["where", where],
    ];
    this.#counts.set(id, { pairs, count: 1 });
  }

  render(): string {
    let out = header(
      NAME,
      "counter",
      "Guard matches, by rule, kind, action taken and where in the exchange.",
    );
    for (const { pairs, count } of this.#counts.values()) out += `${NAME}${labels(pairs)} ${count}\n`;
    return out;
  }
}
