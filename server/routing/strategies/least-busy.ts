import type { Deployment } from "../deployment.ts";
import { MEASURED, rankedStrategy } from "./ranked.ts";

/** Fewest requests in flight plus waiting in its queue first; ties at random. */
export const leastBusy = rankedStrategy({
  name: "least-busy",
  rank: () => MEASURED,
  value: load,
  randomTies: true,
  scoreOffset: 1,
  tieShare: 0,
});

function load(d: Deployment): number {
  return d.live.stats.inFlight + (d.live.queue?.depth ?? 0);
}
