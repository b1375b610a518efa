import { header, histogramLines, labels } from "./prometheus-text.ts";

/** The two caches. */
export type CacheKind = "exact" | "semantic";

/** Entries and bytes per kind, read from the stores at scrape. */
export type CacheSizes = () => Promise<Partial<Record<CacheKind, { entries: number; bytes: number }>>>;

/** Lookup latency buckets, in seconds: a memory lookup is microseconds, a Redis one a round trip. */
const BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** Totals of one kind since start, for GetCacheStats. */
export interface CacheTotals {
  readonly hits: number;
  readonly misses: number;
  readonly costSavedUsd: number;
}

/**
 * The cache's metrics, kept as plain numbers and rendered on scrape:
 * `llmgw_cache_{hits,misses}_total{kind,model}`,
 * `llmgw_cache_bypasses_total{model}`, `llmgw_cache_lookup_seconds{kind}`,
 * `llmgw_cache_cost_saved_usd_total{kind}` and the `llmgw_cache_entries` and
 * `llmgw_cache_bytes` gauges. Model labels are bounded by the caller: a
 * model nobody configured is `other`.
 */
export class CacheMetrics {
  readonly #hits = new Map<string, number>();
  readonly #misses = new Map<string, number>();
  readonly #bypasses = new Map<string, number>();
  readonly #saved: Record<CacheKind, number> = { exact: 0, semantic: 0 };
  readonly #lookups = new Map<CacheKind, { counts: Float64Array; sum: number; count: number }>();
  #sizes: CacheSizes | undefined;

  /** Where the entries and bytes gauges read from. */
  watch(sizes: CacheSizes): void {
    this.#sizes = sizes;
  }

  hit(kind: CacheKind, model: string, savedUsd: number | undefined): void {
    bump(this.#hits, `${kind}\n${model}`);
    if (savedUsd !== undefined) this.#saved[kind] += savedUsd;
  }

  miss(kind: CacheKind, model: string): void {
    bump(this.#misses, `${kind}\n${model}`);
  }

  bypass(model: string): void {
    bump(this.#bypasses, model);
  }

  lookup(kind: CacheKind, seconds: number): void {
    let series = this.#lookups.get(kind);
    if (series === undefined) {
      series = { counts: new Float64Array(BUCKETS.length), sum: 0, count: 0 };
      this.#lookups.set(kind, series);
    }
    const i = BUCKETS.findIndex((bound) => seconds <= bound);
    if (i >= 0) (series.counts[i] as number)++;
    series.sum += seconds;
    series.count++;
  }

  totals(kind: CacheKind): CacheTotals {
    return { hits: sum(this.#hits, kind), misses: sum(this.#misses, kind), costSavedUsd: this.#saved[kind] };
  }

  get bypasses(): number {
    let total = 0;
    for (const n of this.#bypasses.values()) total += n;
    return total;
  }

  async render(): Promise<string> {
    if (this.#sizes === undefined) return "";
    let out = counter("llmgw_cache_hits_total", "Requests answered from the cache.", this.#hits);
    out += counter(
      "llmgw_cache_misses_total",
      "Requests looked up in the cache and not found.",
      this.#misses,
    );
    out += header("llmgw_cache_bypasses_total", "counter", "Requests that skipped the cache.");
    for (const [model, n] of this.#bypasses)
      out += `llmgw_cache_bypasses_total${labels([["model", model]])} ${n}\n`;
    out += header(
      "llmgw_cache_cost_saved_usd_total",
      "counter",
      "What the answers served from the cache cost when made.",
    );
    for (const kind of ["exact", "semantic"] as const)
      out += `llmgw_cache_cost_saved_usd_total${labels([["kind", kind]])} ${this.#saved[kind]}\n`;
    out += header("llmgw_cache_lookup_seconds", "histogram", "Time to look a request up in the cache.");
    for (const [kind, s] of this.#lookups)
      out += histogramLines(
        "llmgw_cache_lookup_seconds",
        [["kind", kind]],
        BUCKETS,
        s.counts,
        s.sum,
        s.count,
      );
    let sizes: Awaited<ReturnType<CacheSizes>> = {};
    try {
      sizes = await this.#sizes();
    } catch {
      // A store that cannot answer reports no sizes; the degraded gauge says why.
    }
    out += header("llmgw_cache_entries", "gauge", "Entries in the cache store.");
    for (const [kind, s] of Object.entries(sizes))
      out += `llmgw_cache_entries${labels([["kind", kind]])} ${s.entries}\n`;
    out += header("llmgw_cache_bytes", "gauge", "Bytes the cache store's entries take.");
    for (const [kind, s] of Object.entries(sizes))
      out += `llmgw_cache_bytes${labels([["kind", kind]])} ${s.bytes}\n`;
    return out;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sum(map: Map<string, number>, kind: CacheKind): number {
  let total = 0;
  for (const [key, n] of map) if (key.startsWith(`${kind}\n`)) total += n;
  return total;
}

function counter(name: string, help: string, series: Map<string, number>): string {
  let out = header(name, "counter", help);
  for (const [key, n] of series) {
    const [kind, model] = key.split("\n") as [string, string];
    out += `${name}${labels([
      ["kind", kind],
      ["model", model],
    ])} ${n}\n`;
  }
  return out;
}
