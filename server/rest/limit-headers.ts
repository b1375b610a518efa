import type { CallLimits } from "../core/call.ts";
import type { AnyResponse } from "../http/cors.ts";
import { writeLimitHeaders } from "../policy/rate-limit/limit-headers.ts";

/**
 * Puts a call's `x-ratelimit-*` headers on its REST answer, a success or an
 * error alike (a 429 included); nothing when no limit applied to the call or
 * the answer has started.
 */
export function setLimitHeaders(res: AnyResponse, limits: CallLimits | undefined): void {
  if (limits === undefined || res.headersSent) return;
  writeLimitHeaders(limits, res, setOn);
}

function setOn(res: AnyResponse, name: string, value: string): void {
  res.setHeader(name, value);
}
