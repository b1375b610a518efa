import type { Policy } from "./chain.ts";
import type { EndHook, Outcome } from "./end-hooks.ts";

/** The latest requests kept per provider and model. */
const SAMPLES = 1_024;
/** How far back the stats reach. */
export const WINDOW_MS = 5 * 60_000;

/** One provider and model's recent latencies, as GetStats reports them. */
export interface LatencyStats {
  readonly provider: string;
  readonly model: string;
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly ttftP50Ms: number;
  readonly ttftP99Ms: number;
}

/**
 * Recent latencies per provider and model that served, in this replica: a
 * fixed ring of the latest requests each (three numbers and a flag per
 * request, no allocation once a ring exists), read back as percentiles
 * over the last five minutes. Series are per served deployment's provider
 * and model, which config bounds, so callers cannot grow them.
 */
export class LatencyWindow {
  /** By provider, then model: two lookups and no string built per request. */
  readonly #series = new Map<string, Map<string, Series>>();

  record(outcome: Outcome, nowMs: number): void {
    const served = outcome.served;
    if (served === undefined) return;
    let models = this.#series.get(served.provider);
    if (models === undefined) {
      models = new Map();
      this.#series.set(served.provider, models);
    }
    let series = models.get(served.model);
    if (series === undefined) {
      series = new Series(served.provider, served.model);
      models.set(served.model, series);
    }
    series.add(nowMs, outcome.latencyMs, outcome.ttftMs, outcome.error !== undefined);
  }

  /** Percentiles per provider and model over the window ending at `nowMs`, sorted by provider and model. */
  stats(nowMs: number, provider = "", model = ""): LatencyStats[] {
    const out: LatencyStats[] = [];
    for (const models of this.#series.values())
      for (const series of models.values()) {
        if ((provider && series.provider !== provider) || (model && series.model !== model)) continue;
        const stats = series.stats(nowMs - WINDOW_MS);
        if (stats !== undefined) out.push(stats);
      }
    return out.sort((a, b) =>
      a.provider === b.provider ? compare(a.model, b.model) : compare(a.provider, b.provider),
    );
  }
}

/** Records every call that reached a deployment. */
export function latencyWindowPolicy(window: LatencyWindow): Policy {
  const record: EndHook = (outcome) => window.record(outcome, Date.now());
  return (next) => (call) => {
    call.end.onEnd(record);
    return next(call);
  };
}

class Series {
  readonly provider: string;
  readonly model: string;
  readonly #at = new Float64Array(SAMPLES);
  readonly #latency = new Float64Array(SAMPLES);
  readonly #ttft = new Float64Array(SAMPLES);
  readonly #failed = new Uint8Array(SAMPLES);
  #next = 0;
  #count = 0;

  constructor(provider: string, model: string) {
    this.provider = provider;
    this.model = model;
  }

  add(at: number, latencyMs: number, ttftMs: number, failed: boolean): void {
    const i = this.#next;
    this.#at[i] = at;
    this.#latency[i] = latencyMs;
    this.#ttft[i] = ttftMs;
    this.#failed[i] = failed ? 1 : 0;
    this.#next = (i + 1) % SAMPLES;
    if (this.#count < SAMPLES) this.#count++;
  }

  stats(sinceMs: number): LatencyStats | undefined {
    const latencies: number[] = [];
    const ttfts: number[] = [];
    let errors = 0;
    for (let i = 0; i < this.#count; i++) {
      if ((this.#at[i] as number) < sinceMs) continue;
      latencies.push(this.#latency[i] as number);
      const ttft = this.#ttft[i] as number;
      if (ttft > 0) ttfts.push(ttft);
      errors += this.#failed[i] as number;
    }
    if (latencies.length === 0) return undefined;
    latencies.sort((a, b) => a - b);
    ttfts.sort((a, b) => a - b);
    return {
      provider: this.provider,
      model: this.model,
      requests: latencies.length,
      errors,
      p50Ms: percentile(latencies, 0.5),
      p90Ms: percentile(latencies, 0.9),
      p99Ms: percentile(latencies, 0.99),
      ttftP50Ms: percentile(ttfts, 0.5),
      ttftP99Ms: percentile(ttfts, 0.99),
    };
  }
}

/** The nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] as number;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
