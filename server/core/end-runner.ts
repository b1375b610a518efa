import type { StreamResponse } from "../../gen/llmgw/v1/chat_pb.js";
import type { TokenUsage } from "../../gen/llmgw/v1/usage_pb.js";
import { GatewayError } from "../errors/gateway-error.ts";
import { costUsd } from "../usage/cost.ts";
import type { Call } from "./call.ts";
import type { Answer, Next } from "./chain.ts";
import type { Outcome } from "./end-hooks.ts";
import { gatewayMetadata } from "./gateway-metadata.ts";

/** The whole pipeline, as surfaces call it. */
export type Pipeline = (call: Call) => Promise<Answer>;

/** Where a hook's own failure is reported; it never reaches the caller. */
export type HookErrorReporter = (error: unknown, call: Call) => void;

/**
 * Wraps the policy chain in the one end-hook runner. Whatever happens inside
 * the chain, the call's end hooks fire exactly once, with one Outcome: when a
 * unary answer returns, when a stream ends (after its last event, on an
 * error, or when the caller stops reading), or when anything throws. It also
 * stamps the gateway metadata (latency, ttft, cost) on the answer, since the
 * caller sees it whichever policies run.
 */
export function withEndHooks(chain: Next, reportHookError: HookErrorReporter): Pipeline {
  const finish = (call: Call, outcome: Outcome) => {
    const failure = call.end.fire(outcome, call);
    if (failure !== undefined) reportHookError(failure, call);
  };
  return async (call) => {
    let answer: Answer;
    try {
      answer = await chain(call);
    } catch (error) {
      const failure = GatewayError.from(error);
      finish(call, failed(call, failure, 0));
      throw failure;
    }
    if (answer.kind === "stream") return { kind: "stream", events: endOnFinish(call, answer.events, finish) };
    const latencyMs = elapsed(call);
    const outcome = succeeded(
      call,
      answer.response.usage,
      latencyMs,
      answer.kind === "complete" ? latencyMs : 0,
    );
    answer.response.gateway = gatewayMetadata(call, outcome);
    finish(call, outcome);
    return answer;
  };
}

/**
 * Passes a stream's events through, timing the first token, stamping the
 * closing UsageReport and firing the end hooks however the stream ends. This
 * is the one wrapper a stream passes, however many policies watch it.
 */
async function* endOnFinish(
  call: Call,
  events: AsyncIterable<StreamResponse>,
  finish: (call: Call, outcome: Outcome) => void,
): AsyncGenerator<StreamResponse> {
  const watched = call.end.watchesEvents;
  let ttftMs = 0;
  let outcome: Outcome | undefined;
  try {
    for await (const event of events) {
      const kind = event.event.case;
      if (ttftMs === 0 && (kind === "delta" || kind === "toolCall")) ttftMs = elapsed(call);
      if (kind === "usage") {
        const report = event.event.value;
        const latencyMs = elapsed(call);
        outcome = succeeded(call, report.usage, latencyMs, ttftMs === 0 ? latencyMs : ttftMs);
        report.gateway = gatewayMetadata(call, outcome);
      }
      if (watched) call.end.event(event, call);
      yield event;
    }
  } catch (error) {
    const failure = GatewayError.from(error);
    outcome ??= failed(call, failure, ttftMs);
    throw failure;
  } finally {
    // No usage report and no error: the caller stopped reading, or the stream ended short.
    finish(call, outcome ?? failed(call, stopped(call), ttftMs));
  }
}

function succeeded(call: Call, usage: TokenUsage | undefined, latencyMs: number, ttftMs: number): Outcome {
  return {
    status: "ok",
    error: undefined,
    usage,
    served: call.served,
    attempts: call.attempts,
    latencyMs,
    ttftMs: round(ttftMs),
    costUsd: costUsd(usage, call.served?.pricing),
  };
}

function failed(call: Call, error: GatewayError, ttftMs: number): Outcome {
  return {
    status: error.code,
    error,
    usage: undefined,
    served: call.served,
    attempts: call.attempts,
    latencyMs: elapsed(call),
    ttftMs: round(ttftMs),
    costUsd: undefined,
  };
}

/** Why a stream stopped without a usage report or an error: the call's abort reason, else a gateway bug. */
function stopped(call: Call): GatewayError {
  const reason: unknown = call.signal.reason;
  if (reason instanceof GatewayError) return reason;
  if (call.signal.aborted) return new GatewayError("cancelled", "the caller stopped reading the stream");
  return new GatewayError("internal", "the stream ended without a usage report");
}

function elapsed(call: Call): number {
  return round(performance.now() - call.startedAt);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
