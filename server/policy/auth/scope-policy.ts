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
  const plan = call.plan;
  const scoped = scopedPlan(scope, requestedModel(call), plan);
  if (scoped !== undefined) call.plan = scoped;
}

/**
 * The plan a key's scope leaves: throws `permission_denied` for a model
 * outside the key's `models`, or when no deployment of a provider it may
 * use is left; else the plan without the others' deployments. The chain's
 * scope policy and RoutingService.ExplainRoute both use it, so an
 * explanation shows the route the key would really get.
 */
export function scopedPlan(
  scope: KeyScope,
  model: string,
  plan: RoutePlan | undefined,
): RoutePlan | undefined {
  if (!allowsModel(scope, model)) {
    const allowed = modelPatterns(scope)?.join(", ") || "(none)";
    throw new GatewayError(
      "permission_denied",
      `this API key may not use model "${model}"; it may use: ${allowed}`,
      { param: "model" },
    );
  }
  if (scope.providers !== undefined && plan !== undefined) return withinProviders(plan, scope.providers);
  return plan;
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
