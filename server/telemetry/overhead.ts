/**
 * The gateway's own share of a call's time, in ms: what the overhead
 * histogram observes.
 *
 * - Unary: from arrival until the pipeline hands the answer back to the
 *   surface, less the time each attempt waited on its upstream (from sending
 *   the request to the last byte of the answer).
 * - Stream (one that streamed a token): from arrival until the first token
 *   is handed to the surface's writer, less the upstream's time to that
 *   token (from sending the request to the arrival of the chunk that
 *   carried it) and the whole time of any attempt that failed before it.
 * - A call refused or failed before any token: its whole time, less any
 *   upstream time it spent.
 *
 * Queue waits and retry back-off are the gateway's (it chose to wait), so
 * they count. Never negative: clocks are read at slightly different points.
 */
export function overheadMs(stream: boolean, latencyMs: number, ttftMs: number, upstreamMs: number): number {
  const until = stream && ttftMs > 0 ? ttftMs : latencyMs;
  const own = until - upstreamMs;
  return Math.max(own, 0);
}
