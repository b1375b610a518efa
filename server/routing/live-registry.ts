import type { Breaker, BreakerSettings, DeploymentLive, QueueSettings, SlotQueue } from "./deployment.ts";
import { newHealth, newStats } from "./deployment-live.ts";

/** Makes a deployment's queue; the attempt loop's queue policy supplies it. */
export type QueueFactory = (settings: QueueSettings, id: string) => SlotQueue;
/** Makes a deployment's breaker; the attempt loop's breaker policy supplies it. */
export type BreakerFactory = (settings: BreakerSettings, id: string) => Breaker;

interface Entry {
  live: DeploymentLive;
  queueSettings: QueueSettings | undefined;
  breakerSettings: BreakerSettings | undefined;
  /** Listed in the routing config (else made for a catalogue name on first use). */
  routed: boolean;
}

/**
 * The live side of every deployment (statistics, health, queue, breaker),
 * keyed by deployment id, so that it outlives routing config updates: an
 * update replaces a deployment's settings, not what it has measured. A
 * queue or breaker is made again only when its own settings change.
 */
export class LiveRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #queue: QueueFactory | undefined;
  readonly #breaker: BreakerFactory | undefined;

  constructor(queue: QueueFactory | undefined, breaker: BreakerFactory | undefined) {
    this.#queue = queue;
    this.#breaker = breaker;
  }

  /**
   * The live state for `id` with these settings: the existing one when its
   * settings are unchanged, else one that keeps its statistics and health
   * with a queue or breaker made anew. `undefined` settings mean none.
   */
  settle(
    id: string,
    queueSettings: QueueSettings | undefined,
    breakerSettings: BreakerSettings | undefined,
    routed: boolean,
  ): DeploymentLive {
    const prev = this.#entries.get(id);
    const queue =
      queueSettings === undefined || this.#queue === undefined
        ? undefined
        : prev?.live.queue !== undefined && sameQueue(prev.queueSettings, queueSettings)
          ? prev.live.queue
          : this.#queue(queueSettings, id);
    const breaker =
      breakerSettings === undefined || this.#breaker === undefined
        ? undefined
        : prev?.live.breaker !== undefined && sameBreaker(prev.breakerSettings, breakerSettings)
          ? prev.live.breaker
          : this.#breaker(breakerSettings, id);
    const live =
      prev !== undefined && prev.live.queue === queue && prev.live.breaker === breaker
        ? prev.live
        : { stats: prev?.live.stats ?? newStats(), health: prev?.live.health ?? newHealth(), queue, breaker };
    this.#entries.set(id, { live, queueSettings, breakerSettings, routed });
    return live;
  }

  /** The live state of a deployment made for a catalogue name, created on first use. */
  adHoc(key: string, breakerSettings: BreakerSettings | undefined): DeploymentLive {
    return this.#entries.get(key)?.live ?? this.settle(key, undefined, breakerSettings, false);
  }

  /**
   * After an update: forgets routed deployments the config no longer lists
   * and gives catalogue deployments the new breaker settings.
   */
  prune(routedIds: ReadonlySet<string>, breakerSettings: (key: string) => BreakerSettings | undefined): void {
    for (const [id, entry] of this.#entries) {
      if (routedIds.has(id)) continue;
      if (entry.routed) this.#entries.delete(id);
      else this.settle(id, undefined, breakerSettings(id), false);
    }
  }

  /** How many deployments have live state (routed and catalogue ones). */
  get size(): number {
    return this.#entries.size;
  }
}

function sameQueue(a: QueueSettings | undefined, b: QueueSettings): boolean {
  return (
    a !== undefined &&
    a.maxConcurrency === b.maxConcurrency &&
    a.maxQueue === b.maxQueue &&
    a.queueTimeoutMs === b.queueTimeoutMs
  );
}

function sameBreaker(a: BreakerSettings | undefined, b: BreakerSettings): boolean {
  return (
    a !== undefined &&
    a.consecutiveFailures === b.consecutiveFailures &&
    a.failureRatio === b.failureRatio &&
    a.ratioWindowMs === b.ratioWindowMs &&
    a.ratioMinRequests === b.ratioMinRequests &&
    a.halfOpenAfterMs === b.halfOpenAfterMs
  );
}
