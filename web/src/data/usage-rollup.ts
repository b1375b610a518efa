import type { UsageRow } from "../../../gen/llmgw/v1/usage_pb.js";

/** What the analytics page groups usage by. */
export type GroupBy = "key" | "provider" | "model";

export interface UsageTotals {
  readonly group: string;
  readonly requests: number;
  readonly errors: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  /** Weighted by requests. */
  readonly avgLatencyMs: number;
}

/** Sums ledger rows per group, most expensive first (then most requests). */
export function totalsBy(rows: readonly UsageRow[], by: GroupBy): UsageTotals[] {
  const groups = new Map<
    string,
    { requests: number; errors: number; prompt: number; completion: number; cost: number; latency: number }
  >();
  for (const row of rows) {
    const name = row[by] || "(none)";
    const g = groups.get(name) ?? { requests: 0, errors: 0, prompt: 0, completion: 0, cost: 0, latency: 0 };
    const requests = Number(row.requests);
    g.requests += requests;
    g.errors += Number(row.errors);
    g.prompt += Number(row.promptTokens);
    g.completion += Number(row.completionTokens);
    g.cost += row.costUsd;
    g.latency += row.avgLatencyMs * requests;
    groups.set(name, g);
  }
  return [...groups.entries()]
    .map(([group, g]) => ({
      group,
      requests: g.requests,
      errors: g.errors,
      promptTokens: g.prompt,
      completionTokens: g.completion,
      costUsd: g.cost,
      avgLatencyMs: g.requests === 0 ? 0 : g.latency / g.requests,
    }))
    .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || a.group.localeCompare(b.group));
}

/** The metric a per-day chart shows. */
export type DayMetric = "cost" | "tokens" | "requests";

/**
 * Per-day series for the `groups` named (the rest are summed as "other"):
 * the days in order (every day of `range`, and any other day a row has),
 * and one column per group, 0 where a group had nothing.
 */
export function perDay(
  rows: readonly UsageRow[],
  by: GroupBy,
  groups: readonly string[],
  metric: DayMetric,
  range?: readonly string[],
): { days: string[]; names: string[]; columns: number[][] } {
  const days = [...new Set([...(range ?? []), ...rows.map((r) => r.day)])].sort();
  const hasOther = rows.some((r) => !groups.includes(r[by] || "(none)"));
  const names = hasOther ? [...groups, "other"] : [...groups];
  const columns = names.map(() => days.map(() => 0));
  for (const row of rows) {
    const name = row[by] || "(none)";
    const column = columns[groups.includes(name) ? groups.indexOf(name) : names.length - 1];
    const day = days.indexOf(row.day);
    if (column === undefined || day === -1) continue;
    column[day] = (column[day] ?? 0) + value(row, metric);
  }
  return { days, names, columns };
}

function value(row: UsageRow, metric: DayMetric): number {
  if (metric === "cost") return row.costUsd;
  if (metric === "tokens") return Number(row.promptTokens + row.completionTokens);
  return Number(row.requests);
}

/** The last `count` UTC days up to `now`'s, as the ledger names them ("2026-12-01"), oldest first. */
export function lastDays(now: Date, count: number): string[] {
  const days: string[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - i));
    days.push(day.toISOString().slice(0, 10));
  }
  return days;
}
