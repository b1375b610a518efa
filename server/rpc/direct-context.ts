import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { PlainHeaders } from "./plain-headers.ts";

/**
 * Why a completed call's signal fires on the direct gRPC path. Connect aborts with no reason, and Node
 * then builds a DOMException (with a stack trace) per call; one shared reason of the same kind costs
 * nothing, and tells the call's own signal that there is nothing left to stop.
 */
export const CALL_COMPLETED = new DOMException("the call completed", "AbortError");

/** A handler context and the one way to end it. */
export interface DirectContext {
  readonly ctx: HandlerContext;
  /** Fires `ctx.signal` with `reason` (once) and stops the deadline timer. */
  abort(reason: unknown): void;
}

/**
 * The handler context the gRPC direct path gives a service: the same shape and deadline behaviour as
 * Connect's `createHandlerContext`, on one AbortController. Connect's links three (the deadline, the
 * request and the call), so every call paid for two extra controllers, their listeners and an extra
 * abort event; here the deadline timer and the caller's reset abort the call's controller directly.
 */
export function directContext(
  method: DescMethod,
  protocolName: string,
  url: string,
  timeoutMs: number | undefined,
  requestHeader: Record<string, string>,
  responseHeader: Record<string, string>,
  responseTrailer: Record<string, string>,
): DirectContext {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deadline: number | undefined;
  if (timeoutMs !== undefined) {
    deadline = Date.now() + timeoutMs;
    const expire = () => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
    if (timeoutMs <= 0) expire();
    else timer = setTimeout(expire, timeoutMs);
  }
  const ctx: HandlerContext = {
    method,
    service: method.parent,
    signal: controller.signal,
    timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
    requestMethod: "POST",
    requestHeader: new PlainHeaders(requestHeader),
    responseHeader: new PlainHeaders(responseHeader),
    responseTrailer: new PlainHeaders(responseTrailer),
    protocolName,
    values: createContextValues(),
    url,
  };
  return {
    ctx,
    abort(reason) {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(reason);
    },
  };
}
