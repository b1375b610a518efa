import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  BreakerState,
  type DeploymentStatusSchema,
  type ExplainRouteResponse,
  ExplainRouteResponseSchema,
  QualitySource,
  type RoutingService,
} from "../../gen/llmgw/v1/routing_pb.js";
import { RoutingDecisionSchema } from "../../gen/llmgw/v1/usage_pb.js";
import type { KeyInfo } from "../core/call.ts";
import { routingDecision } from "../core/gateway-metadata.ts";
import type { DeploymentView } from "../core/routing-control.ts";
import type { GatewayServices } from "../core/services.ts";
import { invalidRequest } from "../errors/gateway-error.ts";
import type { BreakerState as Breaker } from "../routing/deployment.ts";
import type { RouteExplanation } from "../routing/route-explanation.ts";
import type { QualitySource as Source } from "../routing/virtual/quality-feed.ts";
import { toConnectError } from "./connect-error.ts";
import { rpcCredential, rpcRoutingHints } from "./rpc-call.ts";

/**
 * RoutingService: route explanations, the deployments' live state, and the
 * routing config, from the routing control service. Every method needs a
 * valid key; UpdateRoutingConfig needs an admin key.
 */
export function routingService(services: GatewayServices): ServiceImpl<typeof RoutingService> {
  const caller = (ctx: HandlerContext): KeyInfo =>
    services.auth.authenticate(rpcCredential(ctx), ctx.responseHeader.get("x-request-id") ?? "");
  return {
    explainRoute(req, ctx) {
      try {
        const key = caller(ctx);
        const chat = req.chat;
        if (chat === undefined) throw invalidRequest("chat is required", "chat");
        // As ChatService reads them: the message's own hints win over the `x-llmgw-*` headers.
        chat.routing ??= rpcRoutingHints(ctx.requestHeader);
        return explainRouteResponse(services.routing.explain(key, chat, req.stream));
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    listDeployments(_req, ctx) {
      try {
        return { deployments: services.routing.deployments(caller(ctx)).map(deploymentStatus) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    getRoutingConfig(_req, ctx) {
      try {
        return { config: services.routing.config(caller(ctx)) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    updateRoutingConfig(req, ctx) {
      try {
        return { config: services.routing.update(caller(ctx), req.config) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}

function explainRouteResponse(explanation: RouteExplanation): ExplainRouteResponse {
  const plan = explanation.plan;
  return create(ExplainRouteResponseSchema, {
    model: explanation.requested,
    // The same decision the answer's metadata would carry.
    decision: plan === undefined ? create(RoutingDecisionSchema) : routingDecision(plan),
    deployment: explanation.serving?.id ?? "",
    candidates: explanation.candidates.map((c) => ({
      deployment: c.id,
      provider: c.provider,
      model: c.model,
      ...(c.score === undefined ? {} : { score: c.score }),
      eligible: c.kept,
      reason: c.reason,
      qualitySource: qualitySourceOf(c.qualitySource),
      ...(c.quality === undefined ? {} : { quality: c.quality }),
    })),
    complexitySignals: [...explanation.signals],
  });
}

function deploymentStatus(d: DeploymentView): MessageInitShape<typeof DeploymentStatusSchema> {
  return {
    id: d.id,
    model: d.models[0] ?? "",
    models: [...d.models],
    provider: d.provider,
    upstreamModel: d.upstreamModel,
    healthy: d.healthy,
    healthReason: d.healthReason,
    breaker: breakerState(d.breaker),
    inFlight: d.inFlight,
    queueDepth: d.queueDepth,
    latencyEwmaMs: d.latencyEwmaMs,
    ttftEwmaMs: d.ttftEwmaMs,
    interTokenEwmaMs: d.interTokenEwmaMs,
    attempts: BigInt(d.attempts),
    failures: BigInt(d.failures),
    weight: d.weight,
    priority: d.priority,
    tags: [...d.tags],
    ...(d.maxConcurrency === undefined ? {} : { maxConcurrency: d.maxConcurrency }),
    maxQueue: d.maxQueue,
    local: d.local,
  };
}

function breakerState(state: Breaker | undefined): BreakerState {
  switch (state) {
    case "closed":
      return BreakerState.CLOSED;
    case "half_open":
      return BreakerState.HALF_OPEN;
    case "open":
      return BreakerState.OPEN;
    // Breakers are off.
    case undefined:
      return BreakerState.UNSPECIFIED;
  }
}

function qualitySourceOf(source: Source | undefined): QualitySource {
  switch (source) {
    case "benchmark":
      return QualitySource.BENCHMARK;
    case "config":
      return QualitySource.CONFIG;
    case "default":
      return QualitySource.DEFAULT;
    // Not scored on quality (a routed model's strategy, or the caller's).
    case undefined:
      return QualitySource.UNSPECIFIED;
  }
}
