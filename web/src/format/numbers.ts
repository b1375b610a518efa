/** How the dashboard writes numbers: aligned in tables, short in cards, never "NaN". */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 1234 → "1,234". */
export function formatCount(value: number | bigint | undefined): string {
  if (value === undefined) return "–";
  const n = typeof value === "bigint" ? Number(value) : value;
  return Number.isFinite(n) ? integer.format(n) : "–";
}

/** Milliseconds: "0.4 ms", "12 ms", "1.35 s"; "–" when there is no figure. */
export function formatMs(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value) || value < 0) return "–";
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 10) return `${Math.round(value)} ms`;
  return `${value.toFixed(1)} ms`;
}

/** Dollars with enough digits for token prices: "$0.0042", "$1.25", "$1,204". */
export function formatUsd(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  const abs = Math.abs(value);
  if (abs === 0) return "$0.00";
  if (abs < 0.01) return `$${value.toPrecision(2)}`;
  if (abs < 1000) return `$${value.toFixed(2)}`;
  return `$${integer.format(value)}`;
}

/** A ratio 0..1 as a percentage: "12.5%"; "–" when there is nothing to divide. */
export function formatPercent(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return "–";
  const pct = ratio * 100;
  return `${pct >= 10 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

/** Requests per second: "0.2/s", "14/s". */
export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond)) return "–";
  return `${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)}/s`;
}

/** Bytes: "512 B", "4.1 KB", "2.3 MB". */
export function formatBytes(value: number | bigint | undefined): string {
  if (value === undefined) return "–";
  const n = Number(value);
  if (!Number.isFinite(n)) return "–";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
