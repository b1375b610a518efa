import type { Call } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import type { EndHook, Outcome } from "../../core/end-hooks.ts";
import type { Metrics } from "../../telemetry/metrics.ts";
import { overheadMs } from "../../telemetry/overhead.ts";

/** Tells which model names are the gateway's own (configured or discovered), and so may be labels. */
export interface KnownModels {
  knows(provider: string, model: string): boolean;
}

/** The label for a model nobody configured: a caller can name any model, and each name would be a series. */
export const OTHER_MODEL = "other";

/** What the metrics policy is told by config. */
export interface MetricsSettings {
  /** `metrics.per_key`: label tokens, cost and requests with the key's name too. */
  readonly perKey: boolean;
}

/**
 * Counts every call in the request metrics (`llmgw_requests_total`, the
 * histograms, tokens, cost, retries, fallbacks, the overhead histogram),
 * refusals included; it is the outermost policy but audit. It also counts
 * each call's guard verdicts and its queue wait. Model labels are bounded:
 * a name no provider lists is counted as `other`; the key label appears only
 * with `metrics.per_key`.
 */
export function metricsPolicy(metrics: Metrics, models: KnownModels, settings: MetricsSettings): Policy {
  const perKey = settings.perKey;
  const observe: EndHook = (outcome, call) => {
    const served = outcome.served;
    const usage = outcome.usage;
    const completion = usage?.completionTokens ?? 0;
    const ok = outcome.status === "ok";
    const streamed = call.stream && outcome.ttftMs > 0;
    metrics.observe({
      surface: call.surface,
      provider: served?.provider ?? "",
      model:
        served === undefined ? "" : models.knows(served.provider, served.model) ? served.model : OTHER_MODEL,
      status: outcome.status,
      cache: call.cache?.kind ?? "none",
      key: perKey ? (call.key?.name ?? "") : "",
      stream: call.stream,
      latencySeconds: outcome.latencyMs / 1000,
      ttftSeconds: ok && outcome.ttftMs > 0 ? outcome.ttftMs / 1000 : undefined,
      interTokenSeconds:
        ok && streamed && completion > 1
          ? (outcome.latencyMs - outcome.ttftMs) / (completion - 1) / 1000
          : undefined,
      tokensPerSecond: ok && completion > 0 ? tokensPerSecond(outcome, completion, streamed) : undefined,
      overheadSeconds: overheadMs(call.stream, outcome.latencyMs, outcome.ttftMs, call.upstreamMs) / 1000,
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: completion,
      cachedTokens: usage?.cachedPromptTokens ?? 0,
      reasoningTokens: usage?.reasoningTokens ?? 0,
      costUsd: outcome.costUsd ?? 0,
      retries: call.retries,
      fallbacks: call.fallbacks,
    });
    if (call.guard !== undefined) countVerdicts(metrics, call);
    if (served?.live.queue !== undefined && call.attempts > 0)
      metrics.queues.observe(served.id, served.provider, call.queueMs / 1000);
  };
  return (next) => (call) => {
    call.end.onEnd(observe);
    return next(call);
  };
}

/** Generation speed: a stream's tokens over the time after its first; a unary call's over its whole time. */
function tokensPerSecond(outcome: Outcome, completion: number, streamed: boolean): number | undefined {
  const ms = streamed ? outcome.latencyMs - outcome.ttftMs : outcome.latencyMs;
  return ms > 0 ? (completion * 1000) / ms : undefined;
}

function countVerdicts(metrics: Metrics, call: Call): void {
  for (const v of call.guard ?? []) metrics.guards.count(v.rule, v.type, v.action, v.where);
}
