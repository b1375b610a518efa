import type { Logger } from "pino";
import { requestedModel } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import type { EndHook } from "../../core/end-hooks.ts";

/** One info line per call (`log.requests: true`); absent from the chain otherwise. */
export function requestLogPolicy(log: Logger): Policy {
  const line: EndHook = (outcome, call) => {
    log.info(
      {
        requestId: call.requestId,
        surface: call.surface,
        key: call.key?.name ?? "",
        provider: outcome.served?.provider ?? "",
        model: outcome.served?.model ?? requestedModel(call),
        status: outcome.status,
        latencyMs: outcome.latencyMs,
      },
      "request",
    );
  };
  return (next) => (call) => {
    call.end.onEnd(line);
    return next(call);
  };
}
