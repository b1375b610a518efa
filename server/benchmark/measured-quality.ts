import type { Deployment } from "../routing/deployment.ts";
import type { QualityFeed } from "../routing/virtual/quality-feed.ts";
import type { BenchmarkResultRecord, BenchmarkStore } from "../state/benchmark-store.ts";

/** How many of the newest runs are read for measurements; an older one is stale anyway. */
const RUNS_READ = 100;

/**
 * Each upstream model's measured accuracy, for the virtual models' scores:
 * its mean score in the latest succeeded run whose answers it served. A
 * deployment is measured by what served the results (its provider and
 * upstream model), whatever name the run asked for, so a routed model's
 * two deployments are told apart. Failed requests are left out: they speak
 * of availability, which the latency and health parts already score.
 * Re-read when a run finishes; routing reads the maps, two lookups per
 * deployment, with nothing allocated.
 */
export class MeasuredQuality implements QualityFeed {
  readonly #store: BenchmarkStore;
  #byProvider: ReadonlyMap<string, ReadonlyMap<string, number>> = new Map();

  constructor(store: BenchmarkStore) {
    this.#store = store;
  }

  measured(d: Deployment): number | undefined {
    return this.#byProvider.get(d.provider)?.get(d.model);
  }

  /** Re-reads the stored runs. */
  async refresh(): Promise<void> {
    const { runs } = await this.#store.listRuns(RUNS_READ);
    const byProvider = new Map<string, Map<string, number>>();
    for (const run of runs) {
      if (run.state !== "succeeded") continue;
      const found = accuracyByUpstream(await this.#store.results(run.id));
      for (const [provider, models] of found) {
        const known = byProvider.get(provider) ?? new Map<string, number>();
        for (const [model, accuracy] of models) if (!known.has(model)) known.set(model, accuracy);
        byProvider.set(provider, known);
      }
    }
    this.#byProvider = byProvider;
  }
}

/** One run's mean score per provider and upstream model, over its answered results. */
export function accuracyByUpstream(
  results: readonly BenchmarkResultRecord[],
): Map<string, Map<string, number>> {
  const sums = new Map<string, Map<string, { sum: number; n: number }>>();
  for (const r of results) {
    if (r.error !== "" || r.provider === "") continue;
    const models = sums.get(r.provider) ?? new Map<string, { sum: number; n: number }>();
    const s = models.get(r.upstreamModel) ?? { sum: 0, n: 0 };
    s.sum += r.score;
    s.n++;
    models.set(r.upstreamModel, s);
    sums.set(r.provider, models);
  }
  return new Map(
    [...sums].map(([provider, models]) => [provider, new Map([...models].map(([m, s]) => [m, s.sum / s.n]))]),
  );
}
