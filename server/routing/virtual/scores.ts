import type { Deployment } from "../deployment.ts";
import type { RouteRequest } from "../route-request.ts";
import { estimateCostUsd } from "../strategies/cost.ts";
import { MEASURED, UNMEASURED } from "../strategies/ranked.ts";
import { waitMs, waitRank } from "../strategies/ttft.ts";
import type { QualityFeed } from "./quality-feed.ts";

/** How much each component counts in a virtual model's score; they sum to 1. */
export interface Profile {
  readonly cost: number;
  readonly quality: number;
  readonly latency: number;
}

export const PROFILES = {
  balanced: { cost: 0.4, quality: 0.35, latency: 0.25 },
  cost: { cost: 0.8, quality: 0.1, latency: 0.1 },
  quality: { cost: 0.05, quality: 0.85, latency: 0.1 },
  latency: { cost: 0.1, quality: 0.1, latency: 0.8 },
} as const satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;

/** The quality of a deployment whose config states none: the middle, neither favoured nor shunned. */
export const UNKNOWN_QUALITY = 0.5;
/** The latency component of an unmeasured deployment, for the same reason. */
export const UNMEASURED_LATENCY = 0.5;

/**
 * Scores each deployment 0 to 1 under a profile. The components, each 0 to
 * 1 with 1 the best:
 * - cost: the cheapest estimated cost of this request among the candidates
 *   divided by this one's (see estimateCostUsd). Free beats any price: when
 *   the cheapest is free (an unpriced local deployment), every priced one
 *   scores 0. An unpriced remote deployment scores 0.
 * - quality: the deployment's measured quality from `feed` (the benchmark
 *   suite's, when `routing.benchmark_quality` is on), else its `quality` from
 *   config, else UNKNOWN_QUALITY.
 * - latency: the fastest measured wait among the candidates divided by this
 *   one's (time to a usable answer: see `ttft`'s waitMs, stream-aware);
 *   UNMEASURED_LATENCY when not measured; 0 when recent attempts only failed.
 */
export function scoreDeployments(
  list: readonly Deployment[],
  profile: Profile,
  request: RouteRequest,
  feed?: QualityFeed,
): number[] {
  let cheapest = Number.POSITIVE_INFINITY;
  let fastest = Number.POSITIVE_INFINITY;
  for (const d of list) {
    const cost = estimateCostUsd(d, request);
    if (cost !== undefined) cheapest = Math.min(cheapest, cost);
    if (waitRank(d, request) === MEASURED) fastest = Math.min(fastest, waitMs(d, request));
  }
  const scores = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) {
    const d = list[i] as Deployment;
    const cost = estimateCostUsd(d, request);
    const costPart = cost === undefined ? 0 : cost <= 0 ? 1 : cheapest / cost;
    const rank = waitRank(d, request);
    const wait = rank === MEASURED ? waitMs(d, request) : 0;
    const latencyPart =
      rank === UNMEASURED ? UNMEASURED_LATENCY : rank !== MEASURED ? 0 : wait <= 0 ? 1 : fastest / wait;
    scores[i] =
      profile.cost * costPart + profile.quality * qualityOf(d, feed) + profile.latency * latencyPart;
  }
  return scores;
}

/** The quality a deployment is scored with: measured, else configured, else UNKNOWN_QUALITY. */
export function qualityOf(d: Deployment, feed: QualityFeed | undefined): number {
  return (feed === undefined ? undefined : feed.measured(d)) ?? d.quality ?? UNKNOWN_QUALITY;
}

/**
 * Orders `list` and its `scores` together, best first (stably, so equal
 * scores keep the pool's order). Then prefer local: when the best is remote
 * and the best local deployment scores at least `preferLocalShare` of it,
 * that local one moves to the front. Returns whether it did.
 */
export function orderByScore(list: Deployment[], scores: number[], preferLocalShare: number): boolean {
  for (let i = 1; i < list.length; i++) {
    const d = list[i] as Deployment;
    const s = scores[i] as number;
    let j = i - 1;
    while (j >= 0 && (scores[j] as number) < s) {
      list[j + 1] = list[j] as Deployment;
      scores[j + 1] = scores[j] as number;
      j--;
    }
    list[j + 1] = d;
    scores[j + 1] = s;
  }
  const best = list[0];
  if (best === undefined || best.local) return false;
  const bestScore = scores[0] as number;
  for (let k = 1; k < list.length; k++) {
    const d = list[k] as Deployment;
    if (!d.local) continue;
    const s = scores[k] as number;
    if (s < preferLocalShare * bestScore) return false;
    for (let j = k; j > 0; j--) {
      list[j] = list[j - 1] as Deployment;
      scores[j] = scores[j - 1] as number;
    }
    list[0] = d;
    scores[0] = s;
    return true;
  }
  return false;
}
