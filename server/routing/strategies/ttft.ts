import type { Deployment } from "../deployment.ts";
import { hasSucceeded } from "../deployment-stats.ts";
import type { RouteRequest } from "../route-request.ts";
import { measurementRank, rankedStrategy } from "./ranked.ts";

/**
 * Tokens a reader waits for before the answer feels under way: about a line
 * of text. A stream's wait is its time to first token plus this many gaps
 * between tokens, so a deployment that starts fast but then trickles loses
 * to one that starts a little later and flows.
 */
export const EXPECTED_TOKENS = 16;

/**
 * Stream-aware latency. For a stream: the EWMA of time to first token plus
 * EXPECTED_TOKENS × the inter-token EWMA. A unary caller waits for the whole
 * answer, so for it this is the latency strategy.
 */
export const ttft = rankedStrategy({
  name: "ttft",
  rank: waitRank,
  value: waitMs,
  randomTies: false,
  scoreOffset: 0,
  // Within 10 % of the fastest is as good as the fastest: the traffic is spread among them.
  tieShare: 0.1,
});

/** How long the caller waits for a usable answer, ms, once measured (see `ttft`). */
export function waitMs(d: Deployment, request: RouteRequest): number {
  const stats = d.live.stats;
  return request.stream ? stats.ttftMs + EXPECTED_TOKENS * stats.interTokenMs : stats.latencyMs;
}

/** Where `waitMs` ranks: UNMEASURED, MEASURED or LAST (see measurementRank). */
export function waitRank(d: Deployment, request: RouteRequest): number {
  return measurementRank(d.live.stats, hasValue(d, request), request.now);
}

function hasValue(d: Deployment, request: RouteRequest): boolean {
  return request.stream ? d.live.stats.ttftMs > 0 : hasSucceeded(d.live.stats);
}
