import type { GatewayMetadata, RoutingDecision } from "../../gen/llmgw/v1/usage_pb.js";
import type { Call, RoutePlan } from "./call.ts";
import type { Outcome } from "./end-hooks.ts";

/**
 * What callers see of how their call was served: request id, provider,
 * model, latency, ttft and cost, and how it was routed (the decision, the
 * attempts, whether a fallback served it, the time queued, the deployment).
 */
export function gatewayMetadata(call: Call, outcome: Outcome): GatewayMetadata {
  const plan = call.plan;
  const served = outcome.served;
  // A literal rather than create(): this runs once per call, and create() walks the schema (see
  // delta-event.ts). The type keeps it whole; gateway-metadata.test.ts compares it with create()'s.
  const metadata: GatewayMetadata = {
    $typeName: "llmgw.v1.GatewayMetadata",
    requestId: call.requestId,
    provider: served?.provider ?? "",
    model: served?.model ?? "",
    latencyMs: outcome.latencyMs,
    ttftMs: outcome.ttftMs,
    attempts: outcome.attempts,
    // By id, which is unique within the plan: a retry on the first choice is not a fallback.
    fallbackUsed: served !== undefined && plan !== undefined && served.id !== plan.deployments[0]?.id,
    queueMs: call.queueMs,
    deployment: served?.id ?? "",
    cacheHit: false,
    cacheKind: "",
    similarity: 0,
  };
  if (outcome.costUsd !== undefined) metadata.costUsd = outcome.costUsd;
  if (plan !== undefined) metadata.routingDecision = routingDecision(plan);
  const hit = call.cache;
  if (hit !== undefined) {
    metadata.cacheHit = true;
    metadata.cacheKind = hit.kind;
    metadata.similarity = hit.similarity;
    if (hit.costSavedUsd !== undefined) metadata.costSavedUsd = hit.costSavedUsd;
  }
  return metadata;
}

/** How the plan's first deployment was chosen, as the metadata and ExplainRoute both tell it. */
export function routingDecision(plan: RoutePlan): RoutingDecision {
  const { strategy, score, complexity } = plan.decision;
  const decision: RoutingDecision = {
    $typeName: "llmgw.v1.RoutingDecision",
    strategy,
    deployment: plan.deployments[0]?.id ?? "",
    complexity,
  };
  if (score !== undefined) decision.score = score;
  return decision;
}
