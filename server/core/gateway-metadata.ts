import { create } from "@bufbuild/protobuf";
import { type GatewayMetadata, GatewayMetadataSchema } from "../../gen/llmgw/v1/usage_pb.js";
import type { Call } from "./call.ts";
import type { Outcome } from "./end-hooks.ts";

/** What callers see of how their call was served: request id, provider, model, latency, ttft and cost. */
export function gatewayMetadata(call: Call, outcome: Outcome): GatewayMetadata {
  return create(GatewayMetadataSchema, {
    requestId: call.requestId,
    provider: outcome.served?.provider ?? "",
    model: outcome.served?.model ?? "",
    latencyMs: outcome.latencyMs,
    ttftMs: outcome.ttftMs,
    ...(outcome.costUsd === undefined ? {} : { costUsd: outcome.costUsd }),
  });
}
