/**
 * Turns the measurements into verdicts against the issue's targets, a console table, a markdown report
 * and the JSON results file.
 */

import type { MachineInfo } from "./proc-stats.ts";
import { type RpcFigures, rpcSection } from "./rpc-phase.ts";

/** What the benchmark measured for one target. */
export interface TargetFigures {
  /** Closed loop at saturation. */
  satRps: number;
  satCpuUsPerReq: number;
  /** CPU the target used at saturation, % of one core. */
  satCpuPct: number;
  satAllocKBPerReq: number;
  satFailed: number;
  /** Open loop at the fixed rate. */
  rateRps: number;
  rateCpuUsPerReq: number;
  rateAllocKBPerReq: number;
  rateP50Ms: number;
  rateP90Ms: number;
  rateP99Ms: number;
  rateMaxMs: number;
  rateGcMaxPauseMs: number;
  /** Total GC pause per second of the fixed-rate run, ms/s. */
  rateGcPauseMsPerS: number;
  /** Longest young-generation pause (scavenge) and the full collections (mark-compact) at the fixed rate. */
  rateYoungGcMaxMs: number;
  rateFullGcs: number;
  rateFullGcMaxMs: number;
  /** Bytes promoted from the young generation to old space per request at the fixed rate: what lives too long. */
  ratePromotedKBPerReq: number;
  rateFailed: number;
  /** Streaming: dispatch to first body chunk, and to the end of the stream. */
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  streamP50Ms: number;
  ttfbFailed: number;
  /** Right after start-up, before any request. */
  startRssMB: number;
  /** After a moderate warm-up and 2 s idle: the figure the target applies to. */
  idleRssMB: number;
  /** After a further warm-up at saturation and 2 s idle. */
  idleRssAfterSatMB: number;
  peakRssMB: number;
  /** Streaming: the target's CPU per streamed request, µs (shown only beside a baseline). */
  ttfbCpuUsPerReq?: number;
}

/** `baseline` is a second gateway from another checkout (`BENCH_BASELINE`), measured only when asked for. */
export type TargetKey = "direct" | "floor" | "gateway" | "baseline";
/** One value per target: the three every run measures, and the baseline only when one was given. */
export type PerTarget<T> = Record<Exclude<TargetKey, "baseline">, T> & { baseline?: T };
export const TARGETS: Record<TargetKey, string> = {
  direct: "mock (direct)",
  floor: "floor proxy",
  gateway: "gateway",
  baseline: "gateway (baseline)",
};

/** Where the baseline gateway came from, so a report says what the current one was compared with. */
export interface Baseline {
  dir: string;
  /** `git rev-parse --short HEAD` in `dir`, when it is a git checkout. */
  commit?: string;
}

export interface Settings {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  rate: number;
  ttfbRequests: number;
  ttfbConcurrency: number;
  sliceSeconds: number;
  /** A slice during which other work used more than this share of a core (%) is measured again… */
  noisePct: number;
  /** …up to this many times. */
  retries: number;
  tokens: number;
  /** The RPC phase: requests per target and round, and rounds (0: skipped). */
  rpcRequests: number;
  rpcRounds: number;
  pinning: string;
}

export interface Verdict {
  name: string;
  value: string;
  limit: string;
  pass: boolean;
  /** The machine was too busy during the run for this figure to be trusted either way. */
  inconclusive?: boolean;
}

/** How busy the machine was with other work during the measured slices. */
export interface Noise {
  /** CPU used by processes outside the benchmark, % of one core: mean and worst slice. */
  meanForeignPct: number;
  maxForeignPct: number;
  /** The direct mock's own p99 at the fixed rate, ms: the latency floor of the machine itself. */
  directP99Ms: number;
  /** Slices measured again because other work disturbed them. */
  retried: number;
  noisy: boolean;
}

/** Latency verdicts are inconclusive when other work used much CPU or the bare mock's p99 is already poor. */
export function noise(figures: PerTarget<TargetFigures>, slices: Results["slices"], retried: number): Noise {
  const all = (Object.values(slices) as Array<Record<string, number[]>>).flatMap((s) => [
    ...(s.satForeignCpuPct ?? []),
    ...(s.rateForeignCpuPct ?? []),
    ...(s.ttfbForeignCpuPct ?? []),
  ]);
  const meanForeignPct = all.length ? all.reduce((a, b) => a + b, 0) / all.length : 0;
  const maxForeignPct = Math.max(0, ...all);
  const directP99Ms = figures.direct.rateP99Ms;
  return {
    meanForeignPct,
    maxForeignPct,
    directP99Ms,
    retried,
    noisy: meanForeignPct > 15 || maxForeignPct > 50 || directP99Ms > 5,
  };
}

export interface Results {
  date: string;
  machine: MachineInfo;
  settings: Settings;
  figures: PerTarget<TargetFigures>;
  /** Per-slice values, to show how much the figures move from slice to slice. */
  slices: PerTarget<Record<string, number[]>>;
  /** Present when a baseline gateway was measured beside the current one. */
  baseline?: Baseline;
  verdicts: Verdict[];
  noise: Noise;
  profile?: { file: string; seconds: number; summary: string; allocations?: string };
  /** The typed API against REST on h2c, when the RPC phase ran. */
  rpc?: RpcFigures;
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const signed = (n: number, digits = 2) => `${n >= 0 ? "+" : ""}${f(n, digits)}`;

/** The issue's "costs nothing measurable": CPU per request of the gateway within 5 % of the baseline's. */
const BASELINE_CPU_LIMIT = 1.05;

export function verdicts(figures: PerTarget<TargetFigures>, rate: number, noisy: boolean): Verdict[] {
  const { direct, floor, gateway, baseline } = figures;
  const satRatio = gateway.satCpuUsPerReq / floor.satCpuUsPerReq;
  const rateRatio = gateway.rateCpuUsPerReq / floor.rateCpuUsPerReq;
  const addedP50 = gateway.rateP50Ms - direct.rateP50Ms;
  const addedP99 = gateway.rateP99Ms - direct.rateP99Ms;
  const addedTtfb = gateway.ttfbP50Ms - direct.ttfbP50Ms;
  const streamRatio = (gateway.ttfbCpuUsPerReq ?? Number.NaN) / (floor.ttfbCpuUsPerReq ?? Number.NaN);
  return [
    {
      name: "CPU/request at saturation",
      value: `${f(satRatio)}× floor`,
      limit: "≤ 2× floor",
      pass: satRatio <= 2,
    },
    {
      name: `CPU/request at ${rate} req/s`,
      value: `${f(rateRatio)}× floor`,
      limit: "≤ 2× floor",
      pass: rateRatio <= 2,
    },
    {
      name: `added latency p50 at ${rate} req/s`,
      value: `${signed(addedP50, 3)} ms`,
      limit: "≤ +0.2 ms",
      pass: addedP50 <= 0.2,
      inconclusive: noisy,
    },
    {
      name: `added latency p99 at ${rate} req/s`,
      value: `${signed(addedP99, 3)} ms`,
      limit: "≤ +1 ms",
      pass: addedP99 <= 1,
      inconclusive: noisy,
    },
    {
      name: "added time to first byte p50",
      value: `${signed(addedTtfb, 3)} ms`,
      limit: "≤ +0.3 ms",
      pass: addedTtfb <= 0.3,
      inconclusive: noisy,
    },
    {
      name: `p99 at ${rate} req/s against the floor's`,
      value: `${signed(gateway.rateP99Ms - floor.rateP99Ms, 3)} ms`,
      limit: "≤ +1 ms",
      pass: gateway.rateP99Ms - floor.rateP99Ms <= 1,
      inconclusive: noisy,
    },
    {
      name: "CPU/stream",
      value: `${f(streamRatio)}× floor`,
      limit: "≤ 2× floor",
      pass: streamRatio <= 2,
    },
    {
      name: "time to first byte p50 against the floor's",
      value: `${signed(gateway.ttfbP50Ms - floor.ttfbP50Ms, 3)} ms`,
      limit: "≤ +0.3 ms",
      pass: gateway.ttfbP50Ms - floor.ttfbP50Ms <= 0.3,
      inconclusive: noisy,
    },
    {
      name: "idle RSS",
      value: `${f(gateway.idleRssMB, 1)} MB`,
      limit: "≤ 150 MB",
      pass: gateway.idleRssMB <= 150,
    },
    ...(baseline ? baselineVerdicts(gateway, baseline, rate) : []),
  ];
}

/** CPU per request against the older build, measured in the same interleaved slices. */
function baselineVerdicts(gateway: TargetFigures, baseline: TargetFigures, rate: number): Verdict[] {
  const limit = `≤ ${f(BASELINE_CPU_LIMIT)}× baseline`;
  const check = (name: string, ratio: number): Verdict => ({
    name,
    value: `${f(ratio)}× baseline`,
    limit,
    pass: ratio <= BASELINE_CPU_LIMIT,
  });
  return [
    check("CPU/request at saturation vs baseline", gateway.satCpuUsPerReq / baseline.satCpuUsPerReq),
    check(`CPU/request at ${rate} req/s vs baseline`, gateway.rateCpuUsPerReq / baseline.rateCpuUsPerReq),
  ];
}

interface Line {
  label: string;
  get: (t: TargetFigures) => number;
  digits: number;
  /** Show gateway ÷ floor. */
  ratio?: boolean;
  /** Show target − direct mock instead of the value itself, for the added-latency lines. */
  added?: boolean;
  /** Only in a run with a baseline, so the table without one stays as it was. */
  withBaseline?: boolean;
}

function lines(rate: number): Line[] {
  return [
    { label: "CPU/request at saturation (µs)", get: (t) => t.satCpuUsPerReq, digits: 0, ratio: true },
    { label: "throughput at saturation (req/s)", get: (t) => t.satRps, digits: 0, ratio: true },
    { label: "target CPU at saturation (% core)", get: (t) => t.satCpuPct, digits: 0 },
    { label: `CPU/request at ${rate} req/s (µs)`, get: (t) => t.rateCpuUsPerReq, digits: 0, ratio: true },
    { label: `latency p50 at ${rate} req/s (ms)`, get: (t) => t.rateP50Ms, digits: 3, ratio: true },
    { label: `latency p90 at ${rate} req/s (ms)`, get: (t) => t.rateP90Ms, digits: 3, ratio: true },
    { label: `latency p99 at ${rate} req/s (ms)`, get: (t) => t.rateP99Ms, digits: 3, ratio: true },
    { label: `latency max at ${rate} req/s (ms)`, get: (t) => t.rateMaxMs, digits: 2 },
    { label: "  added p50 vs direct (ms)", get: (t) => t.rateP50Ms, digits: 3, added: true },
    { label: "  added p99 vs direct (ms)", get: (t) => t.rateP99Ms, digits: 3, added: true },
    { label: "TTFB p50, streaming (ms)", get: (t) => t.ttfbP50Ms, digits: 3, ratio: true },
    { label: "TTFB p99, streaming (ms)", get: (t) => t.ttfbP99Ms, digits: 3 },
    { label: "  added TTFB p50 vs direct (ms)", get: (t) => t.ttfbP50Ms, digits: 3, added: true },
    { label: "whole stream p50 (ms)", get: (t) => t.streamP50Ms, digits: 3 },
    {
      label: "CPU/stream, streaming (µs)",
      get: (t) => t.ttfbCpuUsPerReq ?? Number.NaN,
      digits: 0,
      ratio: true,
      withBaseline: true,
    },
    { label: "RSS after start-up (MB)", get: (t) => t.startRssMB, digits: 1, ratio: true },
    { label: "idle RSS after warm-up (MB)", get: (t) => t.idleRssMB, digits: 1, ratio: true },
    { label: "idle RSS after saturation (MB)", get: (t) => t.idleRssAfterSatMB, digits: 1, ratio: true },
    { label: "peak RSS (MB)", get: (t) => t.peakRssMB, digits: 1, ratio: true },
    { label: "V8 alloc/request at saturation (KB)", get: (t) => t.satAllocKBPerReq, digits: 1, ratio: true },
    {
      label: `V8 alloc/request at ${rate} req/s (KB)`,
      get: (t) => t.rateAllocKBPerReq,
      digits: 1,
      ratio: true,
    },
    {
      label: `V8 promoted/request at ${rate} req/s (KB)`,
      get: (t) => t.ratePromotedKBPerReq,
      digits: 2,
      ratio: true,
    },
    { label: `GC pause per second at ${rate} req/s (ms)`, get: (t) => t.rateGcPauseMsPerS, digits: 2 },
    { label: `max young-GC pause at ${rate} req/s (ms)`, get: (t) => t.rateYoungGcMaxMs, digits: 2 },
    { label: `full GCs at ${rate} req/s (count)`, get: (t) => t.rateFullGcs, digits: 0 },
    { label: `max full-GC pause at ${rate} req/s (ms)`, get: (t) => t.rateFullGcMaxMs, digits: 2 },
  ];
}

function rows(results: Results): string[][] {
  const { direct, floor, gateway, baseline } = results.figures;
  const columns = baseline ? [direct, floor, gateway, baseline] : [direct, floor, gateway];
  const shown = lines(results.settings.rate).filter((line) => baseline || !line.withBaseline);
  return shown.map((line) => {
    const cells = columns.map((t) =>
      line.added
        ? t === direct
          ? "—"
          : signed(line.get(t) - line.get(direct), line.digits)
        : f(line.get(t), line.digits),
    );
    const ratio = line.ratio ? `${f(line.get(gateway) / line.get(floor))}×` : "";
    if (!baseline) return [line.label, ...cells, ratio];
    const vsBaseline = line.ratio ? `${f(line.get(gateway) / line.get(baseline))}×` : "";
    return [line.label, ...cells, ratio, vsBaseline];
  });
}

/** Min–max of the finite `values`, or nothing when fewer than two slices are left. */
function sliceRange(values: number[], unit: string, digits: number): string | undefined {
  const ok = values.filter(Number.isFinite);
  if (ok.length < 2) return undefined;
  return `${f(Math.min(...ok), digits)} to ${f(Math.max(...ok), digits)}${unit} over ${ok.length} slices`;
}

/** `op` over two per-slice series, slice by slice (the same round of the interleaving). */
const each = (a: number[] | undefined, b: number[] | undefined, op: (x: number, y: number) => number) =>
  (a ?? []).map((x, i) => op(x, b?.[i] ?? Number.NaN));
const ratio = (x: number, y: number) => x / y;
const minus = (x: number, y: number) => x - y;

/**
 * Gateway ÷ baseline for the figures the issue's "costs nothing measurable" is about, each with the
 * floor beside it and, where each slice has its own value, the spread of the per-slice ratio.
 */
export function baselineComparison(results: Results): string[] {
  const { floor, gateway, baseline } = results.figures;
  const slices = results.slices;
  if (!baseline || !slices.baseline) return [];
  const rate = results.settings.rate;
  const items: Array<{ label: string; field: keyof TargetFigures; unit: string; digits: number }> = [
    { label: "CPU/request at saturation", field: "satCpuUsPerReq", unit: " µs", digits: 0 },
    { label: `CPU/request at ${rate} req/s`, field: "rateCpuUsPerReq", unit: " µs", digits: 0 },
    { label: "V8 alloc/request at saturation", field: "satAllocKBPerReq", unit: " KB", digits: 1 },
    { label: `V8 alloc/request at ${rate} req/s`, field: "rateAllocKBPerReq", unit: " KB", digits: 1 },
    { label: `latency p50 at ${rate} req/s`, field: "rateP50Ms", unit: " ms", digits: 3 },
    { label: `latency p99 at ${rate} req/s`, field: "rateP99Ms", unit: " ms", digits: 3 },
    { label: "TTFB p50, streaming", field: "ttfbP50Ms", unit: " ms", digits: 3 },
    { label: "TTFB p99, streaming", field: "ttfbP99Ms", unit: " ms", digits: 3 },
    { label: "CPU/stream, streaming", field: "ttfbCpuUsPerReq", unit: " µs", digits: 0 },
  ];
  const value = (t: TargetFigures, field: keyof TargetFigures) => Number(t[field] ?? Number.NaN);
  return items.map(({ label, field, unit, digits }) => {
    const g = value(gateway, field);
    const b = value(baseline, field);
    const diff = unit === " ms" ? ` (${signed(g - b, digits)} ms)` : "";
    const range = sliceRange(each(slices.gateway[field], slices.baseline?.[field], ratio), "×", 2);
    return (
      `gateway ÷ baseline ${label}: ${f(g / b)}×${diff}; gateway ${f(g, digits)}${unit}, ` +
      `baseline ${f(b, digits)}${unit}, floor ${f(value(floor, field), digits)}${unit}` +
      (range ? `; per slice ${range}` : "")
    );
  });
}

/** How far the gateway-vs-floor comparisons move from slice to slice: min–max over slices. */
export function spread(results: Results): string[] {
  const { direct, floor, gateway } = results.slices;
  const range = (label: string, values: number[], unit: string, digits: number) => {
    const text = sliceRange(values, unit, digits);
    return text === undefined ? [] : [`${label}: ${text}`];
  };
  return [
    ...range(
      "gateway ÷ floor CPU/request, saturation",
      each(gateway.satCpuUsPerReq, floor.satCpuUsPerReq, ratio),
      "×",
      2,
    ),
    ...range(
      "gateway ÷ floor CPU/request, fixed rate",
      each(gateway.rateCpuUsPerReq, floor.rateCpuUsPerReq, ratio),
      "×",
      2,
    ),
    ...range("gateway added p50, fixed rate", each(gateway.rateP50Ms, direct.rateP50Ms, minus), " ms", 3),
    ...range("gateway added p99, fixed rate", each(gateway.rateP99Ms, direct.rateP99Ms, minus), " ms", 3),
    ...range("floor added p99, fixed rate", each(floor.rateP99Ms, direct.rateP99Ms, minus), " ms", 3),
    ...range("gateway added TTFB p50", each(gateway.ttfbP50Ms, direct.ttfbP50Ms, minus), " ms", 3),
  ];
}

const status = (v: Verdict) => `${v.pass ? "PASS" : "FAIL"}${v.inconclusive ? "?" : ""}`;

function noiseLine(n: Noise): string {
  const line =
    `Other work on the machine during the measured slices: ${f(n.meanForeignPct, 0)}% of a core on average, ` +
    `${f(n.maxForeignPct, 0)}% in the worst slice kept (${n.retried} slices measured again); ` +
    `the bare mock's own p99 was ${f(n.directP99Ms, 2)} ms.`;
  return n.noisy
    ? `${line} That is too noisy for the latency verdicts (marked ? / inconclusive): run again on a quieter machine.`
    : line;
}

const HEADER = ["", TARGETS.direct, TARGETS.floor, TARGETS.gateway, "gateway ÷ floor"];
const BASELINE_HEADER = [
  "",
  TARGETS.direct,
  TARGETS.floor,
  TARGETS.gateway,
  TARGETS.baseline,
  "gateway ÷ floor",
  "gateway ÷ baseline",
];
const header = (results: Results) => (results.figures.baseline ? BASELINE_HEADER : HEADER);

/** The console's warnings about failed requests: the gateway's, and the baseline's when there is one. */
function failureWarnings(results: Results): string {
  const { gateway, baseline } = results.figures;
  const failures = gateway.satFailed + gateway.rateFailed;
  const baselineFailures = baseline ? baseline.satFailed + baseline.rateFailed : 0;
  return [
    failures > 0 ? `\nWARNING: the gateway failed ${failures} requests during measurement` : "",
    baselineFailures > 0
      ? `\nWARNING: the baseline gateway failed ${baselineFailures} requests during measurement`
      : "",
  ].join("");
}

export function consoleTable(results: Results): string {
  const head = header(results);
  const all = [head, ...rows(results)];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const render = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const comparison = baselineComparison(results);
  // The baseline's verdicts have longer names and values than the others.
  const nameWidth = Math.max(36, ...results.verdicts.map((v) => v.name.length));
  const valueWidth = Math.max(14, ...results.verdicts.map((v) => v.value.length));
  return [
    render(head),
    ...rows(results).map(render),
    "",
    ...results.verdicts.map(
      (v) =>
        `${status(v).padEnd(5)} ${v.name.padEnd(nameWidth)} ${v.value.padStart(valueWidth)}   (target ${v.limit})`,
    ),
    "",
    noiseLine(results.noise),
    "",
    ...spread(results),
    ...(results.rpc ? ["", "The typed API against REST:", ...rpcSection(results.rpc)] : []),
    ...(comparison.length ? ["", `Against the baseline (${baselineName(results)}):`, ...comparison] : []),
    failureWarnings(results),
  ].join("\n");
}

/** "DIR at commit abc1234", for the report's headings. */
const baselineName = (results: Results) =>
  results.baseline
    ? `${results.baseline.dir}${results.baseline.commit ? ` at ${results.baseline.commit}` : ""}`
    : "";

export function markdown(results: Results): string {
  const { machine, settings } = results;
  const head = header(results);
  const tableRows = rows(results).map((r) => `| ${r.join(" | ")} |`);
  const failed = (Object.keys(TARGETS) as TargetKey[])
    .flatMap((k) => {
      const t = results.figures[k];
      return t ? [`${TARGETS[k]}: ${t.satFailed + t.rateFailed + t.ttfbFailed}`] : [];
    })
    .join(", ");
  const comparison = baselineComparison(results);
  return [
    `# Overhead benchmark, ${results.date}`,
    "",
    "Produced by `npm run bench` (bench/overhead.ts). See bench/README.md for what each figure means.",
    "",
    "## Machine",
    "",
    `- CPU: ${machine.cpuModel}, ${machine.nproc} cores (nproc)`,
    `- Node ${machine.node}, Linux ${machine.kernel}`,
    `- load average at start: ${machine.loadAverage}`,
    "",
    "## Settings",
    "",
    `- saturation: autocannon, ${settings.connections} connections, ${settings.seconds} s, non-streaming`,
    `- fixed rate: ${settings.rate} req/s open loop for ${settings.seconds} s, undici client, hrtime latency`,
    `- streaming: ${settings.ttfbRequests} requests, concurrency ${settings.ttfbConcurrency}, mock --tokens ${settings.tokens}`,
    `- warm-up per target: 2 s at ${settings.rate} req/s and 100 streams, 2 s idle (idle RSS), then ` +
      `${settings.warmupSeconds} s at saturation and 2 s idle (idle RSS after saturation)`,
    `- interleaving: each phase is cut into slices of about ${settings.sliceSeconds} s (streams: an equal share ` +
      "of the requests); the targets take turns slice by slice",
    `- noise: a slice during which other work used over ${settings.noisePct}% of a core is measured again, ` +
      `up to ${settings.retries} times`,
    `- CPU pinning: ${settings.pinning}`,
    ...(results.baseline
      ? [
          `- baseline: a second gateway from ${baselineName(results)} (\`BENCH_BASELINE\`), same config, ` +
            "measured in the same interleaved slices on the same core",
        ]
      : []),
    "",
    "## Results",
    "",
    `| ${head.join(" | ")} |`,
    `|---|${head
      .slice(1)
      .map(() => "---:")
      .join("|")}|`,
    ...tableRows,
    "",
    `Failed requests during measurement: ${failed}.`,
    "",
    "Spread from slice to slice (each slice measured separately):",
    "",
    ...spread(results).map((line) => `- ${line}`),
    "",
    ...(comparison.length
      ? [
          "## Against the baseline",
          "",
          `Gateway ÷ a gateway built from ${baselineName(results)}, in the same run, with the floor beside each figure:`,
          "",
          ...comparison.map((line) => `- ${line}`),
          "",
        ]
      : []),
    ...(results.rpc
      ? [
          "## The typed API against REST",
          "",
          "`ChatService/Complete` and `/Stream` over gRPC against `/v1/chat/completions` (plain and streamed) " +
            "with the same chat, on the same h2c connections, targets taking turns round by round " +
            "(bench/rpc-phase.ts):",
          "",
          ...rpcSection(results.rpc),
          "",
        ]
      : []),
    "## Targets (from the issue)",
    "",
    "| target | measured | limit | verdict |",
    "|---|---:|---|---|",
    ...results.verdicts.map((v) => {
      const verdict = v.pass ? "pass" : "**FAIL**";
      return `| ${v.name} | ${v.value} | ${v.limit} | ${v.inconclusive ? `${verdict} (inconclusive)` : verdict} |`;
    }),
    "",
    noiseLine(results.noise),
    "",
    ...(results.profile
      ? [
          "## Where the gateway's time goes",
          "",
          "CPU profile of a fresh gateway after a warm-up (`node --cpu-prof --cpu-prof-interval 250`), one " +
            "window with plain requests at saturation, one with streamed requests. Self time is time spent in " +
            "the function's own code (`writeUtf8String` and `writev` are the socket writes, kernel included); " +
            "inclusive time includes everything it called. Raw profile: `" +
            results.profile.file +
            "` (not committed).",
          "",
          results.profile.summary,
          ...(results.profile.allocations
            ? [
                "## Where the gateway allocates",
                "",
                `V8 sampling heap profiler (inspector, 4 KB sampling interval) on a fresh gateway at ${settings.rate} ` +
                  "req/s after a warm-up: first every allocation, then only objects that outlived a " +
                  "young-generation GC (the ones promoted to old space, which later need a full GC).",
                "",
                results.profile.allocations,
              ]
            : []),
        ]
      : []),
  ].join("\n");
}
