import type { HandlerContext } from "@connectrpc/connect";
import type { CallLimits } from "../core/call.ts";
import { writeLimitHeaders } from "../policy/rate-limit/limit-headers.ts";

/**
 * Puts a call's `x-ratelimit-*` headers on its RPC response headers, as the
 * REST surface does; Connect sends them with an error too. Nothing when no
 * limit applied to the call.
 */
export function setLimitHeaders(ctx: HandlerContext, limits: CallLimits | undefined): void {
  if (limits !== undefined) writeLimitHeaders(limits, ctx.responseHeader, setOn);
}

function setOn(headers: Headers, name: string, value: string): void {
  headers.set(name, value);
}
