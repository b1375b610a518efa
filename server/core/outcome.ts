import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import { costUsd } from "../usage/cost.ts";
import type { Call } from "./call.ts";
import type { Outcome } from "./end-hooks.ts";

/*
 * The Outcome records the end-hook runners build (end-runner.ts for
 * translated answers, raw-end.ts for pass-through ones).
 */

export function succeeded(
  call: Call,
  usage: TokenUsage | undefined,
  latencyMs: number,
  ttftMs: number,
): Outcome {
  return {
    status: "ok",
    error: undefined,
    usage,
    served: call.served,
    attempts: call.attempts,
    latencyMs,
    ttftMs: round(ttftMs),
    // A cached answer costs nothing; what it saved is on `call.cache`.
    costUsd: call.cache === undefined ? costUsd(usage, call.served?.pricing) : 0,
  };
}

export function failed(
  call: Call,
  error: GatewayError,
  ttftMs: number,
  usage: TokenUsage | undefined = undefined,
): Outcome {
  return {
    status: error.code,
    error,
    usage,
    served: call.served,
    attempts: call.attempts,
    latencyMs: elapsed(call),
    ttftMs: round(ttftMs),
    costUsd: costUsd(usage, call.served?.pricing),
  };
}

/** Why a stream stopped without a usage report or an error: the call's abort reason, else a gateway bug. */
export function stopped(call: Call): GatewayError {
  const reason: unknown = call.signal.reason;
  if (reason instanceof GatewayError) return reason;
  if (call.signal.aborted) return new GatewayError("cancelled", "the caller stopped reading the stream");
  return new GatewayError("internal", "the stream ended without a usage report");
}

export function elapsed(call: Call): number {
  return round(performance.now() - call.startedAt);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
