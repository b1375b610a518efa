/**
 * Prometheus text exposition (format 0.0.4) for the request metrics the
 * gateway keeps itself. Only what those metrics need: counters and
 * histograms with labels, and label values escaped as the format requires.
 */

/** `{a="x",b="y"}` from names and values, escaping `\`, `"` and newlines. */
export function labels(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

export function header(name: string, type: "counter" | "gauge" | "histogram", help: string): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
}

/** One histogram series: cumulative buckets, `+Inf`, sum and count. */
export function histogramLines(
  name: string,
  pairs: ReadonlyArray<readonly [string, string]>,
  bounds: readonly number[],
  counts: ArrayLike<number>,
  sum: number,
  count: number,
): string {
  let out = "";
  let cumulative = 0;
  bounds.forEach((bound, i) => {
    cumulative += counts[i] ?? 0;
    out += `${name}_bucket${labels([...pairs, ["le", String(bound)]])} ${cumulative}\n`;
  });
  out += `${name}_bucket${labels([...pairs, ["le", "+Inf"]])} ${count}\n`;
  out += `${name}_sum${labels(pairs)} ${sum}\n`;
  out += `${name}_count${labels(pairs)} ${count}\n`;
  return out;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
