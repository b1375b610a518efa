import type { Call, KeyScope, RoutePlan } from "../../core/call.ts";
import { requestedModel } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { allowsModel, modelPatterns } from "./key-scope.ts";

/**
 * Enforces the key's scope, once the route is planned: a model outside the
 * key's `models` is refused, and deployments of providers outside its
 * `providers` are taken out of the plan (none left is a refusal too). A key
 * without a scope passes on one property read, so the policy stays in the
 * chain: keys created at runtime may have scopes.
 */
export const scopePolicy: Policy = (next) => (call) => {
  const scope = call.key?.scope;
  if (scope !== undefined) enforce(call, scope);
  return next(call);
};

function enforce(call: Call, scope: KeyScope): void {
  const model = requestedModel(call);
  if (!allowsModel(scope, model)) {
    const allowed = modelPatterns(scope)?.join(", ") || "(none)";
    throw new GatewayError(
      "permission_denied",
      `this API key may not use model "${model}"; it may use: ${allowed}`,
      { param: "model" },
    );
  }
  const plan = call.plan;
  if (scope.providers !== undefined && plan !== undefined) call.plan = withinProviders(plan, scope.providers);
}

/** The plan without the deployments of providers the key may not use. */
function withinProviders(plan: RoutePlan, providers: ReadonlySet<string>): RoutePlan {
  const kept = plan.deployments.filter((d) => providers.has(d.provider));
  if (kept.length === plan.deployments.length) return plan;
  if (kept.length === 0) {
    const serving = [...new Set(plan.deployments.map((d) => d.provider))].join(", ");
    throw new GatewayError(
      "permission_denied",
      `this API key may not use the providers that serve model "${plan.requested}" (${serving}); ` +
        `it may use: ${[...providers].join(", ") || "(none)"}`,
      { param: "model" },
    );
  }
  // The strategy's score was for the first deployment; when that one is gone, so is its score.
  const decision = kept[0] === plan.deployments[0] ? plan.decision : { ...plan.decision, score: undefined };
  return { ...plan, deployments: kept, decision };
}
