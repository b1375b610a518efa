import type { Policy } from "../../core/chain.ts";
import type { EndHook } from "../../core/end-hooks.ts";
import type { Metrics } from "../../telemetry/metrics.ts";

/** Tells which model names are the gateway's own (configured or discovered), and so may be labels. */
export interface KnownModels {
  knows(provider: string, model: string): boolean;
}

/** The label for a model nobody configured: a caller can name any model, and each name would be a series. */
export const OTHER_MODEL = "other";

/**
 * Counts every call in the request metrics (`llmgw_requests_total` and the
 * histograms), refusals included; it is the outermost policy. Model labels
 * are bounded: a name no provider lists is counted as `other`.
 */
export function metricsPolicy(metrics: Metrics, models: KnownModels): Policy {
  const observe: EndHook = (outcome, call) => {
    const served = outcome.served;
    const usage = outcome.usage;
    metrics.observe({
      surface: call.surface,
      provider: served?.provider ?? "",
      model:
        served === undefined ? "" : models.knows(served.provider, served.model) ? served.model : OTHER_MODEL,
      status: outcome.status,
      latencySeconds: outcome.latencyMs / 1000,
      ttftSeconds: outcome.status === "ok" && outcome.ttftMs > 0 ? outcome.ttftMs / 1000 : undefined,
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: usage?.completionTokens ?? 0,
    });
  };
  return (next) => (call) => {
    call.end.onEnd(observe);
    return next(call);
  };
}
