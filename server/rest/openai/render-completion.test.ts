import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GatewayMetadataSchema } from "../../../gen/llmgw/v1/usage_pb.js";
import { renderGateway } from "./render-completion.ts";

describe("the x-llmgw object", () => {
  it("renders routing metadata in snake_case", () => {
    const meta = create(GatewayMetadataSchema, {
      requestId: "r1",
      provider: "cloud",
      model: "gpt",
      latencyMs: 12,
      ttftMs: 5,
      costUsd: 0.001,
      routingDecision: { strategy: "balanced", deployment: "local:llama", score: 0.5, complexity: "medium" },
      attempts: 2,
      fallbackUsed: true,
      queueMs: 1.25,
      deployment: "cloud:gpt",
    });
    expect(JSON.parse(JSON.stringify(renderGateway(meta)))).toStrictEqual({
      request_id: "r1",
      provider: "cloud",
      model: "gpt",
      latency_ms: 12,
      ttft_ms: 5,
      cost_usd: 0.001,
      routing_decision: { strategy: "balanced", deployment: "local:llama", score: 0.5, complexity: "medium" },
      attempts: 2,
      fallback_used: true,
      queue_ms: 1.25,
      deployment: "cloud:gpt",
    });
  });

  it("leaves out what is unset: cost, score, complexity, and the decision of an unrouted call", () => {
    const routed = create(GatewayMetadataSchema, {
      requestId: "r2",
      routingDecision: { strategy: "weighted", deployment: "p:m" },
      attempts: 1,
      deployment: "p:m",
    });
    const json = JSON.parse(JSON.stringify(renderGateway(routed)));
    expect(json).not.toHaveProperty("cost_usd");
    expect(json.routing_decision).toStrictEqual({ strategy: "weighted", deployment: "p:m" });
    expect(json).toMatchObject({ attempts: 1, fallback_used: false, queue_ms: 0, deployment: "p:m" });

    const refused = JSON.parse(
      JSON.stringify(renderGateway(create(GatewayMetadataSchema, { requestId: "r3" }))),
    );
    expect(refused).not.toHaveProperty("routing_decision");
    expect(refused).toMatchObject({ attempts: 0, fallback_used: false, deployment: "" });
  });
});
