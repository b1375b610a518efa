/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function, self time per area
 * (project file, npm package, Node internals, GC), and inclusive time of the project's own functions.
 * Usable alone: `node bench/profile.ts FILE.cpuprofile`.
 */

import { readFileSync } from "node:fs";

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  /** ms for CPU rows, KB per request for allocation rows. */
  value: number;
  /** Share of the busy (non-idle) time, %. */
  pct: number;
}

/** A time window on CLOCK_MONOTONIC in µs: `process.hrtime.bigint() / 1000n`, which V8's timestamps share. */
export interface Window {
  startUs: number;
  endUs: number;
}

export interface ProfileSummary {
  /** False when no sample fell inside the window, so the whole profile was used. */
  windowed: boolean;
  busyMs: number;
  idleMs: number;
  topSelf: Row[];
  byArea: Row[];
  projectInclusive: Row[];
  /**
   * Every busy sample charged to the innermost project file on its stack
   * (with the npm and Node code it called), or to its own area when no project
   * frame is on it (Node's HTTP parser, socket reads, timers, GC): where the
   * time goes, file by file, adding up to the busy time.
   */
  byProjectFile: Row[];
}

const ROOT = new URL("..", import.meta.url).pathname;

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  if (pkg) return `${pkg[1]}/${pkg[2]}`;
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** What a frame belongs to: a project file, an npm package, Node's own JS, or a V8 pseudo-frame. */
export function area(frame: CallFrame): string {
  const url = frame.url;
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native/V8 builtins)";
  if (url.startsWith("node:"))
    return `node:${url.slice(5).split("/")[0] === "internal" ? "internal" : url.slice(5)}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  return shortUrl(url);
}

export function label(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  return frame.url === "" ? name : `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

export function isProjectCode(url: string): boolean {
  return url.includes("/server/") && !url.includes("node_modules");
}

const IDLE = new Set(["(idle)", "(program)"]);

/** Summarises the samples taken inside `window` (all of them when it is omitted or matches none). */
export function summarizeProfile(file: string, window?: Window, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) {
    t += delta;
    times.push(t);
  }
  const inside = (i: number) => {
    const at = times[i] ?? 0;
    return window === undefined || (at >= window.startUs && at <= window.endUs);
  };
  const windowed = window !== undefined && times.some((_, i) => inside(i));
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    if (windowed && !inside(i)) return;
    const us = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample is spent where this one was
    const node = byId.get(id);
    if (!node) return;
    if (IDLE.has(node.callFrame.functionName)) {
      idle += us;
      return;
    }
    busy += us;
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    const a = area(node.callFrame);
    areas.set(a, (areas.get(a) ?? 0) + us);
    let owner: string | undefined;
    for (let at: number | undefined = id; at !== undefined && owner === undefined; at = parent.get(at)) {
      const url = byId.get(at)?.callFrame.url ?? "";
      if (isProjectCode(url)) owner = shortUrl(url);
    }
    owner ??= `outside the project: ${a}`;
    files.set(owner, (files.get(owner) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || !isProjectCode(frame.url)) continue;
      const k = label(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  });
  const rows = (map: Map<string, number>, n: number): Row[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, value: us / 1000, pct: (100 * us) / busy }));
  return {
    windowed,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    topSelf: rows(self, top),
    byArea: rows(areas, top),
    projectInclusive: rows(inclusive, top),
    byProjectFile: rows(files, top),
  };
}

/** A markdown table of rows; `unit` heads the value column. */
export function rowTable(title: string, rows: Row[], unit = "ms", digits = 0): string {
  return [
    title,
    "",
    `| ${unit} | % | function / area |`,
    "|---:|---:|---|",
    ...rows.map((r) => `| ${r.value.toFixed(digits)} | ${r.pct.toFixed(1)} | \`${r.name}\` |`),
    "",
  ].join("\n");
}

export function formatProfile(summary: ProfileSummary): string {
  const table = (title: string, rows: Row[]) => rowTable(title, rows);
  return [
    `${summary.windowed ? "Samples inside the measurement window only" : "Whole profile, start-up included"}: ` +
      `busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms.`,
    "",
    table("**Top self time, by function**", summary.topSelf),
    table("**Self time by area** (project file, npm package, Node internals, V8)", summary.byArea),
    table("**Inclusive time of the project's functions**", summary.projectInclusive),
    table(
      "**Time by the innermost project file on the stack** (with what it called; the rest by area)",
      summary.byProjectFile,
    ),
  ].join("\n");
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: node bench/profile.ts FILE.cpuprofile");
  process.stdout.write(`${formatProfile(summarizeProfile(file))}\n`);
}
