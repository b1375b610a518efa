import type { Logger } from "pino";
import { type Call, requestedModel } from "../../core/call.ts";
import type { Policy } from "../../core/chain.ts";
import type { EndHook } from "../../core/end-hooks.ts";
import type { RequestInfo, TelemetryHooks } from "./telemetry-hooks.ts";

/**
 * Calls an embedder's telemetry hooks at the start and end of every
 * request. Outermost in the chain (after tracing), so refusals are told
 * too; absent from the chain when no hook is given. A hook's exception is
 * logged and swallowed.
 */
export function hooksPolicy(hooks: TelemetryHooks, log: Logger): Policy {
  const { onRequestStart, onRequestEnd, onError } = hooks;
  const failed = (hook: string, error: unknown, call: Call) =>
    log.error({ err: error, hook, requestId: call.requestId }, "a telemetry hook threw");
  const end: EndHook = (outcome, call) => {
    const request = requestInfo(call);
    if (onRequestEnd !== undefined) {
      try {
        onRequestEnd.call(hooks, outcome, request);
      } catch (error) {
        failed("onRequestEnd", error, call);
      }
    }
    if (onError !== undefined && outcome.error !== undefined) {
      try {
        onError.call(hooks, outcome.error, request);
      } catch (error) {
        failed("onError", error, call);
      }
    }
  };
  return (next) => (call) => {
    if (onRequestStart !== undefined) {
      try {
        onRequestStart.call(hooks, requestInfo(call));
      } catch (error) {
        failed("onRequestStart", error, call);
      }
    }
    if (onRequestEnd !== undefined || onError !== undefined) call.end.onEnd(end);
    return next(call);
  };
}

/** The request as hooks see it: a plain record, so they never hold on to the call. */
export function requestInfo(call: Call): RequestInfo {
  return {
    requestId: call.requestId,
    surface: call.surface,
    operation: call.op,
    model: requestedModel(call),
    stream: call.stream,
    key: call.key?.name ?? "",
    team: call.key?.team ?? "",
    traceId: call.traceId,
  };
}

/** Whether any hook is set (an empty object leaves the policy out). */
export function hasHooks(hooks: TelemetryHooks | undefined): hooks is TelemetryHooks {
  return (
    hooks !== undefined &&
    (hooks.onRequestStart !== undefined || hooks.onRequestEnd !== undefined || hooks.onError !== undefined)
  );
}
