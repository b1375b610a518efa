/**
 * The overview's live figures, reduced from WatchUsage events: request and
 * error rates, latency and TTFT percentiles, and cache hits, over a rolling
 * window. Pure: the page keeps the window in state and asks for a summary.
 */

/** One finished request, as much as the overview needs of a UsageEvent. */
export interface LiveEvent {
  /** Unix ms when it ended. */
  readonly at: number;
  readonly ok: boolean;
  readonly latencyMs: number;
  /** 0 for an answer that was not streamed. */
  readonly ttftMs: number;
  /** "" for a miss or no cache; "exact" or "semantic" for a hit. */
  readonly cacheKind: string;
}

export interface LiveWindow {
  readonly events: readonly LiveEvent[];
}

export const EMPTY_WINDOW: LiveWindow = { events: [] };

/** The most events kept: enough for minutes at a busy gateway, bounded for the tab's memory. */
export const MAX_EVENTS = 20_000;

/** Adds events and forgets those older than `spanMs` before `now`. */
export function addEvents(
  window: LiveWindow,
  added: readonly LiveEvent[],
  now: number,
  spanMs: number,
): LiveWindow {
  const since = now - spanMs;
  const kept = window.events.filter((e) => e.at >= since);
  const events = [...kept, ...added.filter((e) => e.at >= since)];
  return { events: events.length > MAX_EVENTS ? events.slice(events.length - MAX_EVENTS) : events };
}

export interface LiveSummary {
  readonly requests: number;
  /** Requests per second over the last `rateSpanMs`. */
  readonly ratePerS: number;
  /** Errors over requests in the window; undefined with no requests. */
  readonly errorRate: number | undefined;
  readonly latencyP50: number | undefined;
  readonly latencyP99: number | undefined;
  /** Over streamed answers only (those with a TTFT). */
  readonly ttftP50: number | undefined;
  readonly ttftP99: number | undefined;
  readonly cacheHitRate: number | undefined;
}

export function summarize(window: LiveWindow, now: number, rateSpanMs: number): LiveSummary {
  const events = window.events;
  const recent = events.filter((e) => e.at >= now - rateSpanMs).length;
  const errors = events.filter((e) => !e.ok).length;
  const latencies = events.filter((e) => e.ok).map((e) => e.latencyMs);
  const ttfts = events.filter((e) => e.ok && e.ttftMs > 0).map((e) => e.ttftMs);
  const hits = events.filter((e) => e.cacheKind !== "").length;
  const n = events.length;
  return {
    requests: n,
    ratePerS: recent / (rateSpanMs / 1000),
    errorRate: n === 0 ? undefined : errors / n,
    latencyP50: percentile(latencies, 0.5),
    latencyP99: percentile(latencies, 0.99),
    ttftP50: percentile(ttfts, 0.5),
    ttftP99: percentile(ttfts, 0.99),
    cacheHitRate: n === 0 ? undefined : hits / n,
  };
}

/** The nearest-rank percentile; undefined for no values. */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Per-bucket series for the charts: x (Unix s, each bucket's start), requests
 * per second, errors per second, and the bucket's p50 latency (null when empty).
 */
export function buckets(
  window: LiveWindow,
  now: number,
  bucketMs: number,
  count: number,
): Array<Array<number | null>> {
  const end = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  const start = end - bucketMs * count;
  const xs: number[] = [];
  const rps: number[] = [];
  const eps: number[] = [];
  const groups: number[][] = [];
  for (let i = 0; i < count; i++) {
    xs.push((start + i * bucketMs) / 1000);
    rps.push(0);
    eps.push(0);
    groups.push([]);
  }
  const perSecond = 1000 / bucketMs;
  for (const e of window.events) {
    const i = Math.floor((e.at - start) / bucketMs);
    if (i < 0 || i >= count) continue;
    rps[i] = (rps[i] ?? 0) + perSecond;
    if (!e.ok) eps[i] = (eps[i] ?? 0) + perSecond;
    else groups[i]?.push(e.latencyMs);
  }
  const p50 = groups.map((g) => percentile(g, 0.5) ?? null);
  return [xs, rps, eps, p50];
}
