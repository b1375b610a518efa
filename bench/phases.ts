/**
 * The measurement phases: warm-up and idle RSS, saturation, fixed rate, streaming. Each phase is cut into
 * slices and the targets take turns slice by slice (starting with a different one each time), so a noisy
 * neighbour on a shared machine hits every target alike instead of whichever happened to run then.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type { Pool } from "undici";
import type { Child, GcEvent } from "./children.ts";
import { firstByte, paced, percentiles, saturate } from "./load.ts";
import { cpuMicros, machineBusyMicros, statusMB } from "./proc-stats.ts";
import type { PerTarget, Settings, TargetFigures, TargetKey } from "./report.ts";
import { roundOrder } from "./round-order.ts";

export interface Target {
  key: TargetKey;
  url: string;
  /** The process whose CPU, memory and GC are measured. */
  child: Child;
  /** The paced and streaming clients' keep-alive pool. */
  pool: Pool;
}

export interface Bench {
  settings: Settings;
  targets: Target[];
  /** Moves processes to their cores before `target` is measured. */
  arrange(target: Target): void;
  /** Slices measured again because other work on the machine disturbed them. */
  retried: number;
  log(message: string): void;
}

export type Figures = PerTarget<TargetFigures>;
/** Per-slice values, kept in the JSON results to show how much the figures move. */
export type SliceLog = PerTarget<Record<string, number[]>>;

/** The entry of a target that `emptyFigures` created; the baseline's exists only when it is measured. */
function entry<T>(all: PerTarget<T>, key: TargetKey): T {
  const value = all[key];
  if (value === undefined) throw new Error(`no entry for target ${key}`);
  return value;
}

/** CPU used by this process and every child of the benchmark so far, µs. */
function ownMicros(bench: Bench): number {
  const self = process.cpuUsage();
  let total = self.user + self.system;
  for (const t of bench.targets) total += cpuMicros(t.child.pid);
  return total;
}

/**
 * Runs `work` and reports the target process's CPU time, wall time and GC events meanwhile, and the CPU
 * that processes outside the benchmark used (% of one core): the noise on a shared machine.
 */
async function measured<T>(bench: Bench, target: Target, work: () => Promise<T>) {
  const gc = target.child.gc;
  const machine0 = machineBusyMicros();
  const own0 = ownMicros(bench);
  const cpu0 = cpuMicros(target.child.pid);
  const events0 = gc.events.length;
  const start = performance.now();
  const result = await work();
  const end = performance.now();
  const wallMs = end - start;
  const cpuUs = cpuMicros(target.child.pid) - cpu0;
  const foreignUs = machineBusyMicros() - machine0 - (ownMicros(bench) - own0);
  await sleep(50); // GC lines written during the run may still be in the pipe
  const events = gc.events.slice(events0);
  return { result, cpuUs, start, end, wallMs, events, foreignPct: Math.max(0, foreignUs / wallMs / 10) };
}

/** One measured slice, and how to add it to the totals if it is kept. */
interface Slice {
  /** CPU used by other work on the machine meanwhile, % of one core. */
  foreignPct: number;
  commit(): void;
}

/**
 * Measures every (slice, target), in `roundOrder`: each target goes first as often as the others, and
 * follows each other equally often. A slice during which other work on the machine used more than
 * `noisePct` of a core is measured again (up to `retries` times) and the noisy measurement dropped.
 */
async function sliced(bench: Bench, slices: number, each: (t: Target) => Promise<Slice>) {
  const { noisePct, retries } = bench.settings;
  for (let s = 0; s < slices; s++) {
    for (const target of roundOrder(bench.targets, s)) {
      bench.arrange(target);
      let slice = await each(target);
      for (let r = 0; r < retries && slice.foreignPct > noisePct; r++) {
        bench.log(
          `${target.key}: other work took ${slice.foreignPct.toFixed(0)}% of a core, measuring again`,
        );
        bench.retried++;
        await sleep(1_000);
        slice = await each(target);
      }
      slice.commit();
    }
  }
}

function sliceCount(settings: Settings): { slices: number; seconds: number } {
  const slices = Math.max(1, Math.round(settings.seconds / settings.sliceSeconds));
  return { slices, seconds: settings.seconds / slices };
}

/** Appends one slice's value to the per-slice log. */
function record(log: SliceLog, key: TargetKey, field: string, value: number): void {
  const slices = entry(log, key);
  const values = slices[field];
  if (values) values.push(value);
  else slices[field] = [value];
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function emptyFigures(bench: Bench): { figures: Figures; slices: SliceLog } {
  const figures: Partial<Record<TargetKey, TargetFigures>> = {};
  const slices: Partial<Record<TargetKey, Record<string, number[]>>> = {};
  for (const t of bench.targets) {
    figures[t.key] = {} as TargetFigures;
    slices[t.key] = {};
  }
  return { figures: figures as Figures, slices: slices as SliceLog };
}

/**
 * Per target: RSS right after start-up; a moderate warm-up (2 s at the fixed rate, 100 streams), 2 s idle,
 * RSS (the idle figure the target applies to); then a warm-up at saturation, 2 s idle, RSS again (V8 keeps
 * the young generation it grew under load for a while).
 */
export async function warmUp(bench: Bench, figures: Figures): Promise<void> {
  const { settings } = bench;
  for (const t of bench.targets) {
    const target = entry(figures, t.key);
    target.startRssMB = statusMB(t.child.pid, "VmRSS");
    bench.arrange(t);
    bench.log(
      `${t.key}: warm-up at ${settings.rate} req/s, at saturation for ${settings.warmupSeconds} s, RSS`,
    );
    await paced(t.pool, settings.rate, 2);
    await firstByte(t.pool, 100, settings.ttfbConcurrency);
    await sleep(2_000);
    target.idleRssMB = statusMB(t.child.pid, "VmRSS");
    await saturate(t.url, settings.connections, settings.warmupSeconds);
    await sleep(2_000);
    target.idleRssAfterSatMB = statusMB(t.child.pid, "VmRSS");
  }
}

/** One slice of one target: when it ran and how many requests it completed. */
interface Span {
  start: number;
  end: number;
  completed: number;
}

/**
 * Allocation and promotion per request over a whole phase, from GC events that straddle many requests:
 * only the bytes counted by the events after the first one, divided by the requests that ended between
 * the first and the last event (pro rata for the slices they cut), so the unknown allocation before the
 * first and after the last event does not skew the figure. A target allocates next to nothing while the
 * others are measured, so the gaps between its slices do not matter.
 */
function perRequest(events: GcEvent[], spans: Span[]) {
  const first = events[0];
  const last = events.at(-1);
  if (!first || !last || events.length < 3) return { alloc: Number.NaN, promoted: Number.NaN };
  let requests = 0;
  for (const span of spans) {
    const overlap = Math.min(span.end, last.at) - Math.max(span.start, first.at);
    if (overlap > 0) requests += (span.completed * overlap) / (span.end - span.start);
  }
  const rest = events.slice(1);
  return {
    alloc: sum(rest.map((e) => e.allocated)) / 1024 / requests,
    promoted: sum(rest.map((e) => e.promoted)) / 1024 / requests,
  };
}

/** The GC events of each target since `from` (event counts taken when the phase started). */
function eventsSince(bench: Bench, from: Map<TargetKey, number>, key: TargetKey): GcEvent[] {
  const target = bench.targets.find((t) => t.key === key);
  return target ? target.child.gc.events.slice(from.get(key) ?? 0) : [];
}

const eventCounts = (bench: Bench) => new Map(bench.targets.map((t) => [t.key, t.child.gc.events.length]));

interface Totals {
  cpuUs: number;
  wallMs: number;
  completed: number;
  failed: number;
  spans: Span[];
  /** Latencies, µs (fixed rate only). */
  latencies: number[];
  /** GC pauses during the target's own slices, ms. */
  young: number[];
  full: number[];
}

function totals(acc: Map<TargetKey, Totals>, key: TargetKey): Totals {
  let a = acc.get(key);
  if (!a) {
    a = { cpuUs: 0, wallMs: 0, completed: 0, failed: 0, spans: [], latencies: [], young: [], full: [] };
    acc.set(key, a);
  }
  return a;
}

export async function saturation(bench: Bench, figures: Figures, log: SliceLog): Promise<void> {
  const { settings } = bench;
  const { slices, seconds } = sliceCount(settings);
  bench.log(`saturation: ${settings.connections} connections, ${slices} × ${seconds} s per target`);
  const acc = new Map<TargetKey, Totals>();
  const from = eventCounts(bench);
  await sliced(bench, slices, async (t) => {
    const m = await measured(bench, t, () => saturate(t.url, settings.connections, seconds));
    // Every slice counts for allocation, kept or not: the GC events cover them all.
    totals(acc, t.key).spans.push({ start: m.start, end: m.end, completed: m.result.completed });
    return {
      foreignPct: m.foreignPct,
      commit: () => {
        const a = totals(acc, t.key);
        a.cpuUs += m.cpuUs;
        a.wallMs += m.wallMs;
        a.completed += m.result.completed;
        a.failed += m.result.failed;
        record(log, t.key, "satCpuUsPerReq", m.cpuUs / m.result.completed);
        record(log, t.key, "satRps", m.result.rps);
        record(log, t.key, "satForeignCpuPct", m.foreignPct);
      },
    };
  });
  for (const [key, a] of acc) {
    Object.assign(entry(figures, key), {
      satRps: (a.completed * 1000) / a.wallMs,
      satCpuUsPerReq: a.cpuUs / a.completed,
      satCpuPct: (100 * a.cpuUs) / 1000 / a.wallMs,
      satAllocKBPerReq: perRequest(eventsSince(bench, from, key), a.spans).alloc,
      satFailed: a.failed,
    });
  }
}

export async function fixedRate(bench: Bench, figures: Figures, log: SliceLog): Promise<void> {
  const { settings } = bench;
  const { slices, seconds } = sliceCount(settings);
  bench.log(`fixed rate: ${settings.rate} req/s, ${slices} × ${seconds} s per target`);
  const acc = new Map<TargetKey, Totals>();
  const from = eventCounts(bench);
  await sliced(bench, slices, async (t) => {
    await sleep(200); // let the previous target's connections and timers settle
    const m = await measured(bench, t, () => paced(t.pool, settings.rate, seconds));
    const completed = m.result.latencies.length;
    totals(acc, t.key).spans.push({ start: m.start, end: m.end, completed });
    return {
      foreignPct: m.foreignPct,
      commit: () => {
        const a = totals(acc, t.key);
        a.cpuUs += m.cpuUs;
        a.wallMs += m.wallMs;
        a.completed += completed;
        a.failed += m.result.failed;
        for (const v of m.result.latencies) a.latencies.push(v);
        for (const e of m.events) (e.young ? a.young : a.full).push(e.pause);
        const p = percentiles(m.result.latencies);
        record(log, t.key, "rateCpuUsPerReq", m.cpuUs / completed);
        record(log, t.key, "rateP50Ms", p.p50);
        record(log, t.key, "rateP99Ms", p.p99);
        record(log, t.key, "rateForeignCpuPct", m.foreignPct);
      },
    };
  });
  for (const [key, a] of acc) {
    const { young, full } = a;
    const p = percentiles(a.latencies);
    const per = perRequest(eventsSince(bench, from, key), a.spans);
    Object.assign(entry(figures, key), {
      rateRps: (a.completed * 1000) / a.wallMs,
      rateCpuUsPerReq: a.cpuUs / a.completed,
      rateAllocKBPerReq: per.alloc,
      ratePromotedKBPerReq: per.promoted,
      rateP50Ms: p.p50,
      rateP90Ms: p.p90,
      rateP99Ms: p.p99,
      rateMaxMs: p.max,
      rateGcMaxPauseMs: Math.max(0, ...young, ...full),
      rateGcPauseMsPerS: (sum(young) + sum(full)) / (a.wallMs / 1000),
      rateYoungGcMaxMs: Math.max(0, ...young),
      rateFullGcs: full.length,
      rateFullGcMaxMs: Math.max(0, ...full),
      rateFailed: a.failed,
    });
  }
}

/** Streams each target serves before the streaming phase is measured. */
const STREAM_WARM_UP = 1_000;

export async function streaming(bench: Bench, figures: Figures, log: SliceLog): Promise<void> {
  const { settings } = bench;
  const { slices } = sliceCount(settings);
  const perSlice = Math.ceil(settings.ttfbRequests / slices);
  bench.log(
    `streaming: ${STREAM_WARM_UP} unmeasured, then ${slices} × ${perSlice} requests per target, concurrency ${settings.ttfbConcurrency}`,
  );
  // The stream path has its own code (SSE parsing, chunk rendering) that the unary phases never ran:
  // measured cold, the gateway's first slice cost half as much again as its others.
  for (const t of bench.targets) await firstByte(t.pool, STREAM_WARM_UP, settings.ttfbConcurrency);
  const acc = new Map<
    TargetKey,
    { failed: number; first: number[]; total: number[]; cpuUs: number; streams: number }
  >();
  await sliced(bench, slices, async (t) => {
    const m = await measured(bench, t, () => firstByte(t.pool, perSlice, settings.ttfbConcurrency));
    const r = m.result;
    return {
      foreignPct: m.foreignPct,
      commit: () => {
        const a = acc.get(t.key) ?? { failed: 0, first: [], total: [], cpuUs: 0, streams: 0 };
        a.failed += r.failed;
        a.first.push(...r.firstByte);
        a.total.push(...r.total);
        a.cpuUs += m.cpuUs;
        a.streams += r.firstByte.length;
        acc.set(t.key, a);
        record(log, t.key, "ttfbP50Ms", percentiles(r.firstByte).p50);
        record(log, t.key, "ttfbCpuUsPerReq", m.cpuUs / r.firstByte.length);
        record(log, t.key, "ttfbForeignCpuPct", m.foreignPct);
      },
    };
  });
  for (const [key, a] of acc) {
    const first = percentiles(a.first);
    const target = bench.targets.find((t) => t.key === key);
    Object.assign(entry(figures, key), {
      ttfbP50Ms: first.p50,
      ttfbP99Ms: first.p99,
      streamP50Ms: percentiles(a.total).p50,
      ttfbFailed: a.failed,
      ttfbCpuUsPerReq: a.cpuUs / a.streams,
      peakRssMB: target ? statusMB(target.child.pid, "VmHWM") : Number.NaN,
    });
  }
}
