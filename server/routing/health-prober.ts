import type { Logger } from "pino";
import type { RoutingConfig } from "../config/routing-schema.ts";
import type { Deployment } from "./deployment.ts";

/** Where the deployments to probe come from (the routing table), read at each round. */
export type ProbeTargets = () => Iterable<Deployment>;

/**
 * Active health checks: every `probe_interval_ms`, each provider that has
 * routed deployments is asked for its model list (the cheapest call every
 * upstream API has). After `unhealthy_after` failed probes in a row its
 * deployments are marked unhealthy, and the planner moves them to the back
 * of every plan (they are still tried when nothing else is left); the first
 * probe that passes brings them back. Passive detection from real traffic is
 * the breaker's job.
 */
export class HealthProber {
  readonly #targets: ProbeTargets;
  readonly #settings: RoutingConfig["health"];
  readonly #log: Logger;
  readonly #failures = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopping = new AbortController();

  constructor(targets: ProbeTargets, settings: RoutingConfig["health"], log: Logger) {
    this.#targets = targets;
    this.#settings = settings;
    this.#log = log;
  }

  /** Starts probing on the interval (no-op when the interval is 0). */
  start(): void {
    if (this.#settings.probe_interval_ms === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#round ??= this.probeOnce().finally(() => {
        this.#round = undefined;
      });
    }, this.#settings.probe_interval_ms);
    this.#timer.unref();
  }

  /** One round: probes every provider once, concurrently, and updates its deployments' health. */
  async probeOnce(): Promise<void> {
    const byProvider = new Map<string, Deployment[]>();
    for (const d of this.#targets()) {
      const list = byProvider.get(d.provider);
      if (list === undefined) byProvider.set(d.provider, [d]);
      else list.push(d);
    }
    await Promise.all([...byProvider].map(([provider, deployments]) => this.#probe(provider, deployments)));
  }

  async #probe(provider: string, deployments: Deployment[]): Promise<void> {
    const adapter = (deployments[0] as Deployment).adapter;
    const signal = AbortSignal.any([
      AbortSignal.timeout(this.#settings.probe_timeout_ms),
      this.#stopping.signal,
    ]);
    let reason = "";
    try {
      await adapter.listModels(signal);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (this.#stopping.signal.aborted) return;
    const now = Date.now();
    const failures = reason === "" ? 0 : (this.#failures.get(provider) ?? 0) + 1;
    this.#failures.set(provider, failures);
    const healthy = failures < this.#settings.unhealthy_after;
    for (const d of deployments) {
      const health = d.live.health;
      if (health.healthy !== healthy) {
        if (healthy) this.#log.info({ deployment: d.id }, "deployment is healthy again");
        else this.#log.warn({ deployment: d.id, reason }, "deployment is unhealthy: its health probes fail");
      }
      health.healthy = healthy;
      health.reason = healthy ? "" : `${failures} health probes failed in a row: ${reason}`;
      health.checkedAt = now;
    }
  }

  /** Stops probing; a round in flight is aborted. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopping.abort();
    await this.#round;
  }
}
