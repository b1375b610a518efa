import type { DatabaseSync } from "node:sqlite";
import type { UsageQuery } from "../ledger-sink.ts";

/**
 * Daily roll-ups of the SQLite ledger: one row per UTC day, key, team,
 * provider and model, kept in the same transaction as the raw rows they
 * sum, so the two never disagree. Usage queries read whole days from here
 * and only the partial days at a range's edges from the raw rows, so they
 * stay fast however large the ledger grows.
 * @private Used by the ledger's worker thread.
 */

const DAY_MS = 86_400_000;

/** The day of a row, as both tables group by it: its UTC date. */
const DAY_OF = "strftime('%Y-%m-%d', at / 1000, 'unixepoch')";

const SCHEMA = `
CREATE TABLE usage_daily (
  day TEXT NOT NULL,
  key TEXT NOT NULL,
  team TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  requests INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  latency_ms REAL NOT NULL,
  PRIMARY KEY (day, key, team, provider, model)
) WITHOUT ROWID;
`;

/** Sums raw rows into roll-up rows, adding to any already there. */
const ROLL_UP = `
INSERT INTO usage_daily (day, key, team, provider, model, requests, errors, prompt_tokens,
                         completion_tokens, cost_usd, latency_ms)
SELECT ${DAY_OF}, key, team, provider, model, COUNT(*), SUM(status != 'ok'), SUM(prompt_tokens),
       SUM(completion_tokens), COALESCE(SUM(cost_usd), 0), SUM(latency_ms)
  FROM usage WHERE rowid > ? GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (day, key, team, provider, model) DO UPDATE SET
  requests = requests + excluded.requests,
  errors = errors + excluded.errors,
  prompt_tokens = prompt_tokens + excluded.prompt_tokens,
  completion_tokens = completion_tokens + excluded.completion_tokens,
  cost_usd = cost_usd + excluded.cost_usd,
  latency_ms = latency_ms + excluded.latency_ms
`;

/**
 * Creates the roll-up table on a file that has none, filling it from every
 * raw row already there (a ledger written before roll-ups existed). Runs
 * inside the ledger's migration transaction.
 */
export function migrateRollup(db: DatabaseSync): void {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'usage_daily'")
    .get();
  if (exists !== undefined) return;
  db.exec(SCHEMA);
  db.prepare(ROLL_UP).run(0);
}

/** The last raw row's rowid, before a batch is written. */
export function lastRowid(db: DatabaseSync): number {
  const row = db.prepare("SELECT COALESCE(MAX(rowid), 0) AS last FROM usage").get() as { last: number };
  return row.last;
}

/** Adds the rows written after `after` to the roll-ups; call inside the batch's transaction. */
export function rollUp(db: DatabaseSync, after: number): void {
  db.prepare(ROLL_UP).run(after);
}

/**
 * Totals per day, key, team, provider and model over [startMs, endMs): whole
 * UTC days from the roll-ups, the partial days at either edge from the raw
 * rows. The same answer as grouping the raw rows, faster.
 */
export function rolledUpTotals(db: DatabaseSync, query: UsageQuery): unknown[] {
  const filters: string[] = [];
  const values: string[] = [];
  for (const [column, value] of [
    ["key", query.key],
    ["team", query.team],
    ["provider", query.provider],
    ["model", query.model],
  ] as const) {
    if (value) {
      filters.push(`${column} = ?`);
      values.push(value);
    }
  }
  const filter = filters.map((f) => ` AND ${f}`).join("");
  const firstWhole = Math.ceil(query.startMs / DAY_MS) * DAY_MS;
  const endWhole = Math.floor(query.endMs / DAY_MS) * DAY_MS;
  const parts: string[] = [];
  const params: Array<string | number> = [];
  // Raw rows in [from, to), one part per day, so the day is a constant rather than computed per row.
  const raw = (from: number, to: number) => {
    for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
      parts.push(
        `SELECT ? AS day, key, team, provider, model, COUNT(*) AS requests,
                SUM(status != 'ok') AS errors, SUM(prompt_tokens) AS promptTokens,
                SUM(completion_tokens) AS completionTokens, COALESCE(SUM(cost_usd), 0) AS costUsd,
                SUM(latency_ms) AS latency
           FROM usage WHERE at >= ? AND at < ?${filter} GROUP BY key, team, provider, model`,
      );
      params.push(dayOf(day), Math.max(from, day), Math.min(to, day + DAY_MS), ...values);
    }
  };
  if (firstWhole >= endWhole) raw(query.startMs, query.endMs);
  else {
    if (query.startMs < firstWhole) raw(query.startMs, firstWhole);
    parts.push(
      `SELECT day, key, team, provider, model, requests, errors, prompt_tokens AS promptTokens,
              completion_tokens AS completionTokens, cost_usd AS costUsd, latency_ms AS latency
         FROM usage_daily WHERE day >= ? AND day < ?${filter}`,
    );
    params.push(dayOf(firstWhole), dayOf(endWhole), ...values);
    if (endWhole < query.endMs) raw(endWhole, query.endMs);
  }
  if (parts.length === 0) return [];
  // The parts cover disjoint days, so no group is split between two of them.
  return db
    .prepare(
      `SELECT day, key, team, provider, model, requests, errors, promptTokens, completionTokens, costUsd,
              latency / requests AS avgLatencyMs
         FROM (${parts.join(" UNION ALL ")})
        ORDER BY day, key, team, provider, model`,
    )
    .all(...params);
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
