import type { Call } from "../../core/call.ts";
import { spanTime } from "./span-time.ts";

/**
 * Records a cache lookup as a child span of the call's request span, for
 * the cache policy to call once it knows the answer: `startedAt` is the
 * performance.now() when the lookup began. A no-op while tracing is off
 * (`call.trace` is undefined), so it costs one property read then.
 *
 * @example
 * const startedAt = performance.now();
 * const hit = await store.get(key);
 * traceCacheLookup(call, startedAt, hit === undefined ? "miss" : "exact");
 */
export function traceCacheLookup(
  call: Call,
  startedAt: number,
  result: "miss" | "exact" | "semantic",
  similarity?: number,
): void {
  const callTrace = call.trace;
  if (callTrace === undefined) return;
  const span = callTrace.tracer.startSpan(
    "cache lookup",
    { startTime: spanTime(startedAt), attributes: { "llmgw.cache.result": result } },
    callTrace.context,
  );
  if (similarity !== undefined) span.setAttribute("llmgw.cache.similarity", similarity);
  span.end(spanTime(performance.now()));
}
