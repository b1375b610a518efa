import type { StrategyName } from "../../config/routing-schema.ts";
import type { Deployment } from "../deployment.ts";
import type { RouteRequest } from "../route-request.ts";

/**
 * Orders the candidates of one priority tier, best first. A strategy works
 * on a range of the plan's own array (`list[lo..hi)`), in place, so ordering
 * allocates nothing per request.
 */
export interface Strategy {
  readonly name: StrategyName;
  /** Orders `list[lo..hi)` best first, in place. */
  order(list: Deployment[], lo: number, hi: number, request: RouteRequest): void;
  /**
   * The score of `list[i]` among `list[lo..hi)`, once ordered: 0 to 1, higher
   * is better, relative to the best of the range (so the best measured one
   * scores 1). Undefined when the strategy cannot score it yet (unmeasured).
   */
  score(
    list: readonly Deployment[],
    lo: number,
    hi: number,
    i: number,
    request: RouteRequest,
  ): number | undefined;
}
