import { create } from "@bufbuild/protobuf";
import {
  type GatewayMetadata,
  GatewayMetadataSchema,
  type RoutingDecision,
  RoutingDecisionSchema,
} from "../../gen/llmgw/v1/usage_pb.js";
import type { CacheHit, Call, RoutePlan } from "./call.ts";
import type { Outcome } from "./end-hooks.ts";

/**
 * What callers see of how their call was served: request id, provider,
 * model, latency, ttft and cost, and how it was routed (the decision, the
 * attempts, whether a fallback served it, the time queued, the deployment).
 */
export function gatewayMetadata(call: Call, outcome: Outcome): GatewayMetadata {
  const plan = call.plan;
  const served = outcome.served;
  return create(GatewayMetadataSchema, {
    requestId: call.requestId,
    provider: served?.provider ?? "",
    model: served?.model ?? "",
    latencyMs: outcome.latencyMs,
    ttftMs: outcome.ttftMs,
    ...(outcome.costUsd === undefined ? {} : { costUsd: outcome.costUsd }),
    routingDecision: plan === undefined ? undefined : routingDecision(plan),
    attempts: outcome.attempts,
    // By id, which is unique within the plan: a retry on the first choice is not a fallback.
    fallbackUsed: served !== undefined && plan !== undefined && served.id !== plan.deployments[0]?.id,
    queueMs: call.queueMs,
    deployment: served?.id ?? "",
    ...(call.cache === undefined ? {} : cacheFields(call.cache)),
  });
}

function cacheFields(hit: CacheHit): {
  cacheHit: boolean;
  cacheKind: string;
  similarity: number;
  costSavedUsd?: number;
} {
  return {
    cacheHit: true,
    cacheKind: hit.kind,
    similarity: hit.similarity,
    ...(hit.costSavedUsd === undefined ? {} : { costSavedUsd: hit.costSavedUsd }),
  };
}

/** How the plan's first deployment was chosen, as the metadata and ExplainRoute both tell it. */
export function routingDecision(plan: RoutePlan): RoutingDecision {
  const { strategy, score, complexity } = plan.decision;
  const decision = create(RoutingDecisionSchema, {
    strategy,
    deployment: plan.deployments[0]?.id ?? "",
    complexity,
  });
  if (score !== undefined) decision.score = score;
  return decision;
}
