import { hasSucceeded } from "../deployment-stats.ts";
import { measurementRank, rankedStrategy } from "./ranked.ts";

/** Lowest EWMA of the whole attempt's latency first. */
export const latency = rankedStrategy({
  name: "latency",
  rank: (d, request) => measurementRank(d.live.stats, hasSucceeded(d.live.stats), request.now),
  value: (d) => d.live.stats.latencyMs,
  randomTies: false,
  scoreOffset: 0,
  // Within 10 % of the fastest is as good as the fastest: the traffic is spread among them.
  tieShare: 0.1,
});
