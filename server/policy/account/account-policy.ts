import type { Logger } from "pino";
import { requestedModel } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import type { EndHook } from "../../core/end-hooks.ts";
import type { LedgerSink } from "../../state/ledger-sink.ts";

/**
 * Accounts every call, however it ended, refusals included: one ledger row,
 * and a log line for failures that are ours or the upstream's (upstream
 * trouble is a warning, a gateway bug an error with its cause; the caller's
 * own mistakes are not logged). It is outermost but for metrics, so it sees
 * a bad key or a malformed body too.
 */
export function accountPolicy(ledger: LedgerSink, log: Logger): Policy {
  const account: EndHook = (outcome, call) => {
    const usage = outcome.usage;
    ledger.record({
      at: Date.now(),
      requestId: call.requestId,
      key: call.key?.name ?? "",
      team: call.key?.team ?? "",
      surface: call.surface,
      provider: outcome.served?.provider ?? "",
      model: outcome.served?.model ?? requestedModel(call),
      status: outcome.status,
      promptTokens: usage?.promptTokens ?? 0,
      completionTokens: usage?.completionTokens ?? 0,
      cachedTokens: usage?.cachedPromptTokens ?? 0,
      reasoningTokens: usage?.reasoningTokens ?? 0,
      estimated: usage?.estimated ?? false,
      latencyMs: outcome.latencyMs,
      ttftMs: outcome.ttftMs,
      costUsd: outcome.costUsd,
      attempts: outcome.attempts,
      deployment: outcome.served?.id ?? "",
      cache: call.cache?.kind ?? "",
      costSavedUsd: call.cache?.costSavedUsd,
    });
    const failure = outcome.error;
    if (failure === undefined) return;
    const fields = { requestId: call.requestId, code: failure.code, provider: failure.provider };
    if (failure.code === "internal") log.error({ ...fields, err: failure.cause }, failure.message);
    else if (failure.code.startsWith("upstream_")) log.warn(fields, failure.message);
  };
  return (next) => (call) => {
    call.end.onEnd(account);
    return next(call);
  };
}
