import { header, labels } from "./prometheus-text.ts";

/** The sinks whose writes are batched off the request path. */
export type SinkName = "ledger" | "audit";

const SINKS: readonly SinkName[] = ["ledger", "audit"];

/**
 * The health of the ledger's and the audit log's batched writes:
 * `llmgw_sink_write_failures_total{sink}` (a batch the backend refused; it
 * may be written again), `llmgw_sink_dropped_records_total{sink}` (records
 * lost for good, which must stay 0 and is alerted on) and
 * `llmgw_sink_write_lag_seconds{sink}` (how long the oldest record not yet
 * written has waited), read at scrape from the sinks that report it.
 * Both sinks are always reported, so an alert on a missing series cannot
 * hide a configured one.
 */
export class SinkMetrics {
  readonly #failures: Record<SinkName, number> = { ledger: 0, audit: 0 };
  readonly #dropped: Record<SinkName, number> = { ledger: 0, audit: 0 };
  readonly #lag = new Map<SinkName, () => number>();

  failed(sink: SinkName): void {
    this.#failures[sink]++;
  }

  dropped(sink: SinkName, records: number): void {
    this.#dropped[sink] += records;
  }

  /** Registers a sink's lag source: seconds the oldest unwritten record has waited (0 when none waits). */
  watchLag(sink: SinkName, seconds: () => number): void {
    this.#lag.set(sink, seconds);
  }

  render(): string {
    const families: ReadonlyArray<
      readonly [string, "counter" | "gauge", string, (sink: SinkName) => number]
    > = [
      [
        "llmgw_sink_write_failures_total",
        "counter",
        "Batched writes the ledger or audit backend refused (they are retried where the backend can).",
        (sink) => this.#failures[sink],
      ],
      [
        "llmgw_sink_dropped_records_total",
        "counter",
        "Ledger or audit records lost for good. Must be 0.",
        (sink) => this.#dropped[sink],
      ],
      [
        "llmgw_sink_write_lag_seconds",
        "gauge",
        "How long the oldest ledger or audit record not yet written has waited.",
        // A sink that is off has nothing waiting.
        (sink) => this.#lag.get(sink)?.() ?? 0,
      ],
    ];
    let out = "";
    for (const [name, type, help, value] of families) {
      out += header(name, type, help);
      for (const sink of SINKS) out += `${name}${labels([["sink", sink]])} ${value(sink)}\n`;
    }
    return out;
  }
}
