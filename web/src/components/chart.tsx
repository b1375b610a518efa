import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./chart.css";

/** One line (or set of bars) of a chart. */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
}

export interface ChartProps {
  /** Read by screen readers in place of the canvas. */
  readonly title: string;
  readonly series: readonly ChartSeries[];
  /** uPlot's aligned data: x values (Unix seconds), then one array per series; null is a gap. */
  readonly data: ReadonlyArray<ReadonlyArray<number | null>>;
  /** The y axis' unit, shown on its ticks and in the legend (e.g. "ms", "$", "%"). */
  readonly unit?: string;
  readonly height?: number;
  /**
   * Stacked bars for per-day figures (the data must then hold running sums,
   * largest first, see `stackColumns`), lines for live ones.
   */
  readonly bars?: boolean;
  /** Draw each point and bridge gaps: for sparse series such as a per-bucket percentile. */
  readonly points?: boolean;
}

/**
 * A time-series chart: uPlot draws it (no hand-written drawing here). The
 * plot is made once per set of series and fed new data with `setData`; it
 * follows its container's width through a ResizeObserver.
 */
export function Chart({
  title,
  series,
  data,
  unit = "",
  height = 220,
  bars = false,
  points = false,
}: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${series.map((s) => `${s.label}:${s.color}`).join("|")}|${unit}|${bars}|${points}|${height}`;

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const format = (v: number | null) => (v === null || v === undefined ? "–" : formatTick(v, unit));
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      // Stacked bars hold running sums: the legend is a key, not a readout, for them.
      legend: { live: !bars },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { stroke: "#5b6478", grid: { stroke: "#eef0f4" }, ticks: { stroke: "#eef0f4" } },
        {
          stroke: "#5b6478",
          grid: { stroke: "#eef0f4" },
          ticks: { stroke: "#eef0f4" },
          size: 72,
          values: (_u, ticks) => ticks.map((v) => formatTick(v, unit)),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: bars ? `${s.color}cc` : `${s.color}1a`,
          value: (_u: uPlot, v: number | null) => format(v),
          ...(bars ? { paths: uPlot.paths.bars?.({ size: [0.6, 80] }) } : {}),
          // Sparse data (a figure only where there were requests): gaps bridged, each point drawn.
          spanGaps: points,
          points: { show: points, size: 5 },
        })),
      ],
    };
    const chart = new uPlot(opts, data as uPlot.AlignedData, el);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The plot is rebuilt only when its series change; data flows in through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div class="chart" ref={box} role="img" aria-label={title} />;
}

/** Short tick labels: 1.2k, 0.35, 12 ms, $0.004, 40 %. */
export function formatTick(value: number, unit: string): string {
  const abs = Math.abs(value);
  let text: string;
  if (abs >= 1e6) text = `${trim(value / 1e6)}M`;
  else if (abs >= 1e3) text = `${trim(value / 1e3)}k`;
  else if (abs >= 10 || abs === 0) text = `${Math.round(value * 10) / 10}`;
  else text = `${Number(value.toPrecision(2))}`;
  if (unit === "$") return `$${text}`;
  if (unit === "") return text;
  return unit === "%" ? `${text}%` : `${text} ${unit}`;
}

function trim(value: number): string {
  return `${Math.round(value * 10) / 10}`;
}

/**
 * Running sums for stacked bars, largest first: uPlot draws series in order,
 * so the total is drawn first and each smaller sum over it.
 */
export function stackColumns(columns: ReadonlyArray<ReadonlyArray<number>>): number[][] {
  const sums: number[][] = [];
  let running: number[] = [];
  for (const column of columns) {
    running = column.map((v, i) => v + (running[i] ?? 0));
    sums.push(running);
  }
  return sums.reverse();
}
