import type { ProviderAdapter } from "../providers/adapter.ts";

/** How long a readiness result is reused: probes that poll every second must not each call every upstream. */
const CACHE_MS = 5_000;
/** How long each upstream has to answer its model list. */
const PROBE_TIMEOUT_MS = 2_000;

export interface ProviderCheck {
  readonly provider: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface ReadinessReport {
  readonly ok: boolean;
  readonly providers: readonly ProviderCheck[];
}

/**
 * Readiness for `GET /ready`: every provider's upstream must answer its
 * model list. The result is cached for a few seconds and concurrent probes
 * share one check, so `/ready` (which needs no key) cannot be used to make
 * the gateway call its upstreams at the caller's rate.
 */
export class Readiness {
  readonly #adapters: readonly ProviderAdapter[];
  #cached: { at: number; report: Promise<ReadinessReport> } | undefined;

  constructor(adapters: readonly ProviderAdapter[]) {
    this.#adapters = adapters;
  }

  check(): Promise<ReadinessReport> {
    const now = performance.now();
    if (this.#cached === undefined || now - this.#cached.at >= CACHE_MS) {
      this.#cached = { at: now, report: this.#probe() };
    }
    return this.#cached.report;
  }

  async #probe(): Promise<ReadinessReport> {
    const providers = await Promise.all(
      this.#adapters.map(async (adapter): Promise<ProviderCheck> => {
        try {
          await adapter.listModels(AbortSignal.timeout(PROBE_TIMEOUT_MS));
          return { provider: adapter.name, ok: true };
        } catch (error) {
          return { provider: adapter.name, ok: false, error: (error as Error).message };
        }
      }),
    );
    return { ok: providers.length > 0 && providers.every((c) => c.ok), providers };
  }
}
