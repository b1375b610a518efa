import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GatewayMetadataSchema, RoutingDecisionSchema } from "../../gen/llmgw/v1/usage_pb.js";
import { adHocDeployment } from "../routing/ad-hoc-deployment.ts";
import type { Route } from "../routing/model-router.ts";
import { type Call, createCall } from "./call.ts";
import type { Outcome } from "./end-hooks.ts";
import { gatewayMetadata } from "./gateway-metadata.ts";

const first = adHocDeployment({ provider: "local", model: "llama" } as unknown as Route);
const second = adHocDeployment({ provider: "cloud", model: "gpt" } as unknown as Route);

function newCall(): Call {
  return createCall({
    requestId: "r1",
    surface: "test",
    signal: new AbortController().signal,
    startedAt: performance.now(),
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
  });
}

function outcome(served: Outcome["served"], attempts: number): Outcome {
  return {
    status: "ok",
    error: undefined,
    usage: undefined,
    served,
    attempts,
    latencyMs: 12,
    ttftMs: 5,
    costUsd: undefined,
  };
}

function planned(score: number | undefined, complexity = ""): Call {
  const call = newCall();
  call.plan = {
    requested: "auto",
    deployments: [first, second],
    decision: { strategy: "balanced", score, complexity },
    fallback: true,
    priority: 0,
  };
  return call;
}

describe("gateway metadata", () => {
  it("explains a call served by its first choice", () => {
    const call = planned(0.82, "simple");
    call.queueMs = 3.5;
    const meta = gatewayMetadata(call, outcome(first, 1));
    expect(meta.routingDecision).toMatchObject({
      strategy: "balanced",
      deployment: "local:llama",
      score: 0.82,
      complexity: "simple",
    });
    expect(meta.attempts).toBe(1);
    expect(meta.fallbackUsed).toBe(false);
    expect(meta.queueMs).toBe(3.5);
    expect(meta.deployment).toBe("local:llama");
    expect(meta.provider).toBe("local");
    expect(meta.model).toBe("llama");
  });

  it("says a fallback served, keeping the first choice in the decision", () => {
    const meta = gatewayMetadata(planned(undefined), outcome(second, 3));
    expect(meta.fallbackUsed).toBe(true);
    expect(meta.attempts).toBe(3);
    expect(meta.deployment).toBe("cloud:gpt");
    expect(meta.routingDecision?.deployment).toBe("local:llama");
    expect(meta.routingDecision?.score).toBeUndefined();
  });

  it("is no fallback when retries stayed on the first choice", () => {
    const meta = gatewayMetadata(planned(undefined), outcome(first, 2));
    expect(meta.fallbackUsed).toBe(false);
    expect(meta.attempts).toBe(2);
  });

  it("has no decision and no deployment for a call refused before routing", () => {
    const meta = gatewayMetadata(newCall(), outcome(undefined, 0));
    expect(meta.routingDecision).toBeUndefined();
    expect(meta.fallbackUsed).toBe(false);
    expect(meta.deployment).toBe("");
    expect(meta.attempts).toBe(0);
  });

  it("is the message create() makes from the same fields, set and unset alike", () => {
    const cached = planned(0.5, "hard");
    cached.queueMs = 2;
    cached.cache = { kind: "semantic", similarity: 0.97, costSavedUsd: 0.002 };
    const cases: Array<[Call, Outcome]> = [
      [newCall(), outcome(undefined, 0)],
      [planned(undefined), { ...outcome(second, 2), costUsd: 0.0125 }],
      [cached, outcome(first, 1)],
    ];
    for (const [call, result] of cases) {
      const plan = call.plan;
      const served = result.served;
      const expected = create(GatewayMetadataSchema, {
        requestId: call.requestId,
        provider: served?.provider ?? "",
        model: served?.model ?? "",
        latencyMs: result.latencyMs,
        ttftMs: result.ttftMs,
        ...(result.costUsd === undefined ? {} : { costUsd: result.costUsd }),
        routingDecision:
          plan === undefined
            ? undefined
            : create(RoutingDecisionSchema, {
                strategy: plan.decision.strategy,
                deployment: plan.deployments[0]?.id ?? "",
                complexity: plan.decision.complexity,
                ...(plan.decision.score === undefined ? {} : { score: plan.decision.score }),
              }),
        attempts: result.attempts,
        fallbackUsed: served !== undefined && plan !== undefined && served.id !== plan.deployments[0]?.id,
        queueMs: call.queueMs,
        deployment: served?.id ?? "",
        ...(call.cache === undefined
          ? {}
          : {
              cacheHit: true,
              cacheKind: call.cache.kind,
              similarity: call.cache.similarity,
              ...(call.cache.costSavedUsd === undefined ? {} : { costSavedUsd: call.cache.costSavedUsd }),
            }),
      });
      const actual = gatewayMetadata(call, result);
      expect(actual).toStrictEqual(expected);
      expect(toBinary(GatewayMetadataSchema, actual)).toEqual(toBinary(GatewayMetadataSchema, expected));
    }
  });
});
