import type { StrategyName } from "../../config/routing-schema.ts";
import type { Deployment, DeploymentStats } from "../deployment.ts";
import { isFresh } from "../deployment-stats.ts";
import type { RouteRequest } from "../route-request.ts";
import { shuffleRange, sortRange } from "./range-order.ts";
import type { Strategy } from "./strategy.ts";

/** Not measured recently: tried first, so that it gets measured. */
export const UNMEASURED = 0;
/** Ranked by its value. */
export const MEASURED = 1;
/** Known bad (only failures lately, or an unknown price): after every measured one. */
export const LAST = 2;

/** A strategy that ranks each candidate by one number, lower is better. */
export interface Ranking {
  readonly name: StrategyName;
  /** UNMEASURED, MEASURED or LAST. */
  rank(deployment: Deployment, request: RouteRequest): number;
  /** The measure of a MEASURED candidate, lower is better (ms, USD, requests). */
  value(deployment: Deployment, request: RouteRequest): number;
  /** Shuffle before sorting, so equal values share the traffic. */
  readonly randomTies: boolean;
  /** Added to values before taking the ratio to the best: 1 for counts that start at 0. */
  readonly scoreOffset: number;
  /**
   * Measured values within this share of the best count as equal, and the
   * traffic is spread among them at random (0: the best alone). Without it a
   * latency ranking herds every request onto whichever deployment is a hair
   * faster, until that load makes it slower, and then onto the other: its
   * connections go cold in turn, and the flip itself is a tail.
   */
  readonly tieShare: number;
}

/**
 * Where a measured statistic ranks. A measurement older than
 * STALE_AFTER_MS counts as none, unless an attempt is out that will renew it
 * (so a burst does not all go to the one being re-measured). A deployment
 * whose recent attempts only failed has nothing to rank on and goes last.
 */
export function measurementRank(stats: DeploymentStats, hasValue: boolean, now: number): number {
  const fresh = isFresh(stats, now);
  if (hasValue) return fresh || stats.inFlight > 0 ? MEASURED : UNMEASURED;
  return fresh && stats.consecutiveFailures > 0 ? LAST : UNMEASURED;
}

/** Builds the strategy: rank classes first, then values; unmeasured ones by fewest in flight, stably. */
export function rankedStrategy(ranking: Ranking): Strategy {
  const compare = (a: Deployment, b: Deployment, request: RouteRequest): number => {
    const ra = ranking.rank(a, request);
    const rb = ranking.rank(b, request);
    if (ra !== rb) return ra - rb;
    if (ra === UNMEASURED) return a.live.stats.inFlight - b.live.stats.inFlight;
    if (ra === LAST) return 0;
    return ranking.value(a, request) - ranking.value(b, request);
  };
  /** After sorting: shuffles the measured candidates whose value is within `tieShare` of the best. */
  const shuffleNearBest = (list: Deployment[], lo: number, hi: number, request: RouteRequest): void => {
    const best = list[lo] as Deployment;
    if (ranking.rank(best, request) !== MEASURED) return;
    const limit = ranking.value(best, request) * (1 + ranking.tieShare);
    let end = lo + 1;
    while (
      end < hi &&
      ranking.rank(list[end] as Deployment, request) === MEASURED &&
      ranking.value(list[end] as Deployment, request) <= limit
    )
      end++;
    if (end - lo > 1) shuffleRange(list, lo, end, request.random);
  };
  return {
    name: ranking.name,
    order(list, lo, hi, request) {
      if (ranking.randomTies) shuffleRange(list, lo, hi, request.random);
      sortRange(list, lo, hi, compare, request);
      if (ranking.tieShare > 0 && hi - lo > 1) shuffleNearBest(list, lo, hi, request);
    },
    score(list, lo, hi, i, request) {
      const target = list[i];
      if (target === undefined) return undefined;
      const rank = ranking.rank(target, request);
      if (rank === UNMEASURED) return undefined;
      if (rank === LAST) return 0;
      let best = Number.POSITIVE_INFINITY;
      for (let k = lo; k < hi; k++) {
        const d = list[k] as Deployment;
        if (ranking.rank(d, request) === MEASURED) best = Math.min(best, ranking.value(d, request));
      }
      const value = ranking.value(target, request) + ranking.scoreOffset;
      return value <= 0 ? 1 : (best + ranking.scoreOffset) / value;
    },
  };
}
