import type pg from "pg";
import type { UsageQuery, UsageTotals } from "../ledger-sink.ts";

/**
 * Daily roll-ups of the PostgreSQL ledger, as the SQLite ledger keeps them
 * (sqlite/usage-rollup.ts): one row per UTC day, key, team, provider and
 * model in `usage_daily`, updated by the same statement that inserts the
 * raw rows, so the two never disagree, and read for whole days while the
 * partial days at a range's edges come from the raw rows.
 * @private Used by PostgresLedger.
 */

const DAY_MS = 86_400_000;

/** A row's UTC day, as both tables group by it. */
const DAY_OF = "to_char(to_timestamp(at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";

const SUMS = `COUNT(*), COUNT(*) FILTER (WHERE status <> 'ok'), SUM(prompt_tokens), SUM(completion_tokens),
       COALESCE(SUM(cost_usd), 0), SUM(latency_ms)`;

/**
 * Creates the roll-up table, filled from the raw rows already there, on a
 * database that has none. Runs inside the ledger's schema lock, so two
 * replicas starting at once do not both fill it.
 */
export const ROLLUP_SCHEMA = `
DO $$ BEGIN
  IF to_regclass('usage_daily') IS NULL THEN
    CREATE TABLE usage_daily (
      day TEXT NOT NULL,
      key TEXT NOT NULL,
      team TEXT NOT NULL,
      provider TEXT NOT NULL,
      model TEXT NOT NULL,
      requests BIGINT NOT NULL,
      errors BIGINT NOT NULL,
      prompt_tokens BIGINT NOT NULL,
      completion_tokens BIGINT NOT NULL,
      cost_usd DOUBLE PRECISION NOT NULL,
      latency_ms DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (day, key, team, provider, model)
    );
    INSERT INTO usage_daily
    SELECT ${DAY_OF}, key, team, provider, model, ${SUMS} FROM usage GROUP BY 1, 2, 3, 4, 5;
  END IF;
END $$;
`;

/**
 * Wraps the raw rows' INSERT so the one statement also adds them to the
 * roll-ups; `before` is any common table expressions it reads (each ending
 * with a comma).
 */
export function insertWithRollup(insert: string, before = ""): string {
  return `WITH ${before} added AS (${insert} RETURNING at, key, team, provider, model, status, prompt_tokens,
                                              completion_tokens, cost_usd, latency_ms)
INSERT INTO usage_daily
SELECT ${DAY_OF}, key, team, provider, model, ${SUMS} FROM added GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (day, key, team, provider, model) DO UPDATE SET
  requests = usage_daily.requests + excluded.requests,
  errors = usage_daily.errors + excluded.errors,
  prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens,
  completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens,
  cost_usd = usage_daily.cost_usd + excluded.cost_usd,
  latency_ms = usage_daily.latency_ms + excluded.latency_ms`;
}

/**
 * Totals per UTC day, key, team, provider and model over [startMs, endMs):
 * whole days from the roll-ups, each partial day from the raw rows; sorted
 * byte-wise as the SQLite ledger sorts them.
 */
export async function readRolledUpTotals(pool: pg.Pool, query: UsageQuery): Promise<UsageTotals[]> {
  const params: Array<string | number> = [];
  const param = (value: string | number) => {
    params.push(value);
    return `$${params.length}`;
  };
  const filterOf = () =>
    (
      [
        ["key", query.key],
        ["team", query.team],
        ["provider", query.provider],
        ["model", query.model],
      ] as const
    )
      .filter(([, value]) => value)
      .map(([column, value]) => ` AND ${column} = ${param(value as string)}`)
      .join("");
  const parts: string[] = [];
  const raw = (from: number, to: number) => {
    for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) {
      const dayParam = param(dayOf(day));
      const range = `at >= ${param(Math.max(from, day))} AND at < ${param(Math.min(to, day + DAY_MS))}`;
      parts.push(
        `SELECT ${dayParam}::text, key, team, provider, model, ${SUMS} FROM usage
          WHERE ${range}${filterOf()} GROUP BY key, team, provider, model`,
      );
    }
  };
  const firstWhole = Math.ceil(query.startMs / DAY_MS) * DAY_MS;
  const endWhole = Math.floor(query.endMs / DAY_MS) * DAY_MS;
  if (firstWhole >= endWhole) raw(query.startMs, query.endMs);
  else {
    if (query.startMs < firstWhole) raw(query.startMs, firstWhole);
    const range = `day >= ${param(dayOf(firstWhole))} AND day < ${param(dayOf(endWhole))}`;
    parts.push(
      `SELECT day, key, team, provider, model, requests, errors, prompt_tokens, completion_tokens, cost_usd,
              latency_ms FROM usage_daily WHERE ${range}${filterOf()}`,
    );
    if (endWhole < query.endMs) raw(endWhole, query.endMs);
  }
  // The parts cover disjoint days, so no group is split between two of them.
  const result = await pool.query<UsageTotals>(
    `SELECT day, key, team, provider, model, requests::float8 AS requests, errors::float8 AS errors,
            prompt::float8 AS "promptTokens", completion::float8 AS "completionTokens",
            cost::float8 AS "costUsd", (latency / requests)::float8 AS "avgLatencyMs"
       FROM (${parts.join(" UNION ALL ")})
         AS parts (day, key, team, provider, model, requests, errors, prompt, completion, cost, latency)
      ORDER BY day COLLATE "C", key COLLATE "C", team COLLATE "C", provider COLLATE "C", model COLLATE "C"`,
    params,
  );
  return result.rows;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
