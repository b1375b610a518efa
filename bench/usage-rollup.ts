/**
 * GetUsage over 30 days with 1,000,000 ledger rows: the SQLite ledger's
 * answer through its daily roll-ups, against grouping the raw rows as the
 * query did before them.
 *
 *   node bench/usage-rollup.ts [rows] [runs]
 *
 * The rows are generated straight into a ledger file (60 days, 50 keys, 3
 * providers, 6 models), in time order as the ledger appends them, the roll-ups are built as a ledger opening an older
 * file builds them, and then the real SqliteLedger answers the query; the
 * range's edges fall mid-day, so both raw edges are read too.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { SqliteLedger } from "../server/state/sqlite/sqlite-ledger.ts";
import { rolledUpTotals } from "../server/state/sqlite/usage-rollup.ts";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 20);
const DAY_MS = 86_400_000;
const END = Date.UTC(2026, 11, 1, 13, 17);
const START = END - 60 * DAY_MS;

const path = join(mkdtempSync(join(tmpdir(), "llmgw-rollup-bench-")), "ledger.db");
// Opening and closing a ledger creates the tables.
await new SqliteLedger(path, 600_000).close();

const db = new DatabaseSync(path);
let started = performance.now();
db.exec("BEGIN");
db.prepare(
  `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
   INSERT INTO usage (at, request_id, key, surface, provider, model, status, prompt_tokens,
                      completion_tokens, cached_tokens, reasoning_tokens, estimated, latency_ms, ttft_ms,
                      cost_usd, attempts, deployment, team)
   SELECT ? + (i * ?) / ?, 'r' || i, 'key-' || (i % 50), 'openai', 'p' || (i % 3), 'm' || (i % 6),
          CASE WHEN i % 20 = 0 THEN 'upstream_error' ELSE 'ok' END, i % 1000, i % 500, 0, 0, 0,
          (i % 4000) / 4.0, 10, (i % 1024) / 1024.0, 1, 'p' || (i % 3) || ':m' || (i % 6), 'team-' || (i % 5)
     FROM n`,
).run(ROWS, START, END - START, ROWS);
db.exec("COMMIT");
const generatedMs = performance.now() - started;
// A file without roll-ups is what an older gateway left: the next ledger to open it builds them.
db.exec("DROP TABLE usage_daily");
db.close();

started = performance.now();
const ledger = new SqliteLedger(path, 600_000);
const query = { startMs: END - 30 * DAY_MS, endMs: END };
const first = await ledger.totals({ startMs: 0, endMs: 1 });
const backfillMs = performance.now() - started;
if (first.length !== 0) throw new Error("unexpected rows");

await ledger.close();
// The steady state: a ledger opened on a file whose roll-ups exist (what every later start sees).
const reopened = new SqliteLedger(path, 600_000);
await reopened.totals({ startMs: 0, endMs: 1 });

const rolled: number[] = [];
let rows = 0;
// CPU time (both threads) tells the query's own cost apart from waiting for a core on a shared machine.
const cpuBefore = process.cpuUsage();
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  rows = (await reopened.totals(query)).length;
  rolled.push(performance.now() - t);
}
const cpu = process.cpuUsage(cpuBefore);
await reopened.close();

// The query as it was before roll-ups: group every raw row of the range.
const raw = new DatabaseSync(path, { readOnly: true });
const rawQuery = raw.prepare(
  `SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS day, key, team, provider, model,
          COUNT(*) AS requests, SUM(status != 'ok') AS errors, SUM(prompt_tokens), SUM(completion_tokens),
          COALESCE(SUM(cost_usd), 0), AVG(latency_ms)
     FROM usage WHERE at >= ? AND at < ? GROUP BY day, key, team, provider, model
    ORDER BY day, key, team, provider, model`,
);
const direct: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  rolledUpTotals(raw, query);
  direct.push(performance.now() - t);
}
const rawTimes: number[] = [];
let rawRows = 0;
for (let i = 0; i < Math.min(RUNS, 5); i++) {
  const t = performance.now();
  rawRows = rawQuery.all(query.startMs, query.endMs).length;
  rawTimes.push(performance.now() - t);
}
raw.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const max = (xs: number[]) => Math.max(...xs);
console.log(
  JSON.stringify(
    {
      rows: ROWS,
      generatedMs: Math.round(generatedMs),
      backfillMs: Math.round(backfillMs),
      answerRows: rows,
      rawAnswerRows: rawRows,
      rollupMedianMs: Number(median(rolled).toFixed(2)),
      rollupMaxMs: Number(max(rolled).toFixed(2)),
      rollupCpuMsPerQuery: Number(((cpu.user + cpu.system) / 1000 / RUNS).toFixed(2)),
      sameQueryOnMainThreadMedianMs: Number(median(direct).toFixed(2)),
      rawMedianMs: Number(median(rawTimes).toFixed(2)),
    },
    null,
    2,
  ),
);
