import type { Policy } from "../core/chain.ts";
import type { RoutePlanner } from "./route-planner.ts";

/** Plans the call's route: the deployments that may serve it, in the order they are tried. */
export function routePolicy(planner: RoutePlanner): Policy {
  return (next) => (call) => {
    call.plan = planner.plan(call);
    return next(call);
  };
}
