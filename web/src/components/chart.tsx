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
  /** Bars for per-day figures, lines for live ones. */
  readonly bars?: boolean;
}

/**
 * A time-series chart: uPlot draws it (no hand-written drawing here). The
 * plot is made once per set of series and fed new data with `setData`; it
 * follows its container's width through a ResizeObserver.
 */
export function Chart({ title, series, data, unit = "", height = 220, bars = false }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = `${series.map((s) => `${s.label}:${s.color}`).join("|")}|${unit}|${bars}|${height}`;

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const format = (v: number | null) => (v === null || v === undefined ? "–" : formatTick(v, unit));
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      legend: { live: true },
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
          size: 60,
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
          ...(bars ? { paths: uPlot.paths.bars?.({ size: [0.7 / Math.max(series.length, 1), 60] }) } : {}),
          // Sparse live data: gaps are bridged and each point is drawn, so a lone sample still shows.
          spanGaps: !bars,
          points: { show: !bars, size: 5 },
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
