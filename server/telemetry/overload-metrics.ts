import { header, labels } from "./prometheus-text.ts";

/** What the overload guard reports at scrape time. */
export interface OverloadSource {
  readonly inFlight: number;
  readonly shed: Readonly<Record<string, number>>;
}

/**
 * `llmgw_overload_in_flight` and `llmgw_overload_shed_total{reason}`, read
 * from the guard at scrape time: nothing is counted here per request.
 */
export class OverloadMetrics {
  #source: OverloadSource | undefined;

  watch(source: OverloadSource): void {
    this.#source = source;
  }

  render(): string {
    const source = this.#source;
    if (source === undefined) return "";
    let out = header(
      "llmgw_overload_in_flight",
      "gauge",
      "Requests the overload guard has admitted and not yet seen end.",
    );
    out += `llmgw_overload_in_flight ${source.inFlight}\n`;
    out += header(
      "llmgw_overload_shed_total",
      "counter",
      "Requests answered 503 by the overload guard, by the limit that was over.",
    );
    for (const [reason, count] of Object.entries(source.shed))
      out += `llmgw_overload_shed_total${labels([["reason", reason]])} ${count}\n`;
    return out;
  }
}
