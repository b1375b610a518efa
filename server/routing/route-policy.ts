import { requestedModel } from "../core/call.ts";
import type { Policy } from "../core/chain.ts";
import { adHocDeployment } from "./ad-hoc-deployment.ts";
import type { ModelRouter } from "./model-router.ts";

/** Resolves the model the caller named into the call's route plan. */
export function routePolicy(router: ModelRouter): Policy {
  return (next) => (call) => {
    const requested = requestedModel(call);
    call.plan = {
      requested,
      deployments: [adHocDeployment(router.resolve(requested))],
      decision: { strategy: "single", score: undefined, complexity: "" },
      fallback: true,
      priority: 0,
    };
    return next(call);
  };
}
