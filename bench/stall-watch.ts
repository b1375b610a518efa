/**
 * A preload (`node --import ./bench/stall-watch.ts …`) that finds what blocks a process's event loop. A
 * 10 ms timer notices each stall (the timer firing at least 4 ms late); V8's `gc` performance entries and
 * the time spent inside `node:sqlite` calls on this thread say which stalls a GC pause or a SQLite call
 * overlapped. Every 2 s it prints one line to stderr, `stall-watch {json}`, with the stalls of that window.
 * The benchmark loads it into the gateway and the floor when `BENCH_STALLS=1` (see bench/README.md).
 * @private
 */

import { PerformanceObserver, performance } from "node:perf_hooks";
import { DatabaseSync, StatementSync } from "node:sqlite";
import { isMainThread } from "node:worker_threads";

const TICK_MS = 10;
const LATE_MS = 4;
const REPORT_MS = 2_000;

interface Span {
  start: number;
  end: number;
}

const gcs: Span[] = [];
const sqlite: Span[] = [];
let sqliteMs = 0;
let sqliteMaxMs = 0;

/** Wraps a method so each call's time on this thread is kept as a span. */
function timeCalls(proto: object, name: string): void {
  const original = (proto as Record<string, (...args: unknown[]) => unknown>)[name];
  if (typeof original !== "function") return;
  Object.defineProperty(proto, name, {
    value: function timed(this: unknown, ...args: unknown[]) {
      const start = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const end = performance.now();
        sqliteMs += end - start;
        sqliteMaxMs = Math.max(sqliteMaxMs, end - start);
        if (end - start > 0.5) sqlite.push({ start, end });
      }
    },
  });
}

if (isMainThread) {
  timeCalls(DatabaseSync.prototype, "exec");
  timeCalls(StatementSync.prototype, "run");
  timeCalls(StatementSync.prototype, "all");
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  }).observe({ entryTypes: ["gc"] });

  const overlaps = (spans: Span[], s: Span) => spans.some((x) => x.start < s.end && x.end > s.start);
  let stalls: Array<{ ms: number; gc: boolean; sqlite: boolean }> = [];
  let last = performance.now();
  const tick = setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    if (late >= LATE_MS) {
      const span = { start: last + TICK_MS, end: now };
      stalls.push({
        ms: Math.round(late * 10) / 10,
        gc: overlaps(gcs, span),
        sqlite: overlaps(sqlite, span),
      });
    }
    last = now;
  }, TICK_MS);
  tick.unref();
  const report = setInterval(() => {
    const now = performance.now();
    const gcMs = gcs.reduce((sum, g) => sum + (g.end > now - REPORT_MS ? g.end - g.start : 0), 0);
    const line = {
      t: Date.now(),
      stalls,
      gcMs: Math.round(gcMs),
      sqliteMs: Math.round(sqliteMs),
      sqliteMaxMs,
    };
    process.stderr.write(`stall-watch ${JSON.stringify(line)}\n`);
    stalls = [];
    sqliteMs = 0;
    sqliteMaxMs = 0;
    // Keep only what the next window can still overlap.
    for (const spans of [gcs, sqlite]) {
      const keep = spans.filter((s) => s.end > now - 1_000);
      spans.length = 0;
      spans.push(...keep);
    }
  }, REPORT_MS);
  report.unref();
}
