import type { UsageTotals } from "../state/ledger-sink.ts";

/** What one key of one team spent on one model on one UTC day, over every provider that served it. */
export interface SpendRow {
  readonly day: string;
  readonly key: string;
  readonly team: string;
  readonly model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

export interface SpendReport {
  readonly rows: SpendRow[];
  readonly totalCostUsd: number;
  readonly totalTokens: number;
  readonly totalRequests: number;
}

/**
 * Folds the ledger's totals (per day, key, team, provider and model) into
 * spend per day, key, team and model, with the grand totals. The ledger
 * sorts by day, key, team, provider, model, so the rows of one group are
 * not always adjacent (two providers of one model interleave with others);
 * a map keeps the first-seen order, which is the ledger's.
 */
export function spendReport(totals: readonly UsageTotals[]): SpendReport {
  const groups = new Map<string, SpendRow>();
  let totalCostUsd = 0;
  let totalTokens = 0;
  let totalRequests = 0;
  for (const t of totals) {
    const id = `${t.day}\u0000${t.key}\u0000${t.team}\u0000${t.model}`;
    let row = groups.get(id);
    if (row === undefined) {
      row = {
        day: t.day,
        key: t.key,
        team: t.team,
        model: t.model,
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        costUsd: 0,
      };
      groups.set(id, row);
    }
    row.requests += t.requests;
    row.promptTokens += t.promptTokens;
    row.completionTokens += t.completionTokens;
    row.costUsd += t.costUsd;
    totalCostUsd += t.costUsd;
    totalTokens += t.promptTokens + t.completionTokens;
    totalRequests += t.requests;
  }
  const rows = [...groups.values()].sort(byGroup);
  return { rows, totalCostUsd, totalTokens, totalRequests };
}

function byGroup(a: SpendRow, b: SpendRow): number {
  return (
    compare(a.day, b.day) || compare(a.key, b.key) || compare(a.team, b.team) || compare(a.model, b.model)
  );
}

/** Byte-wise, as the ledgers sort (never locale-dependent). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
