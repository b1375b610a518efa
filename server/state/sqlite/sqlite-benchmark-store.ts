import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  RESULT_COLUMNS,
  type ResultRow,
  RUN_COLUMNS,
  type RunRow,
  resultFromRow,
  resultValues,
  runFromRow,
  runPage,
  runValues,
} from "../benchmark-rows.ts";
import {
  type BenchmarkResultRecord,
  type BenchmarkRunRecord,
  type BenchmarkStore,
  decodeRunCursor,
  type RunPage,
  runPageSize,
} from "../benchmark-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS benchmark_runs (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  models TEXT NOT NULL,
  task_ids TEXT NOT NULL,
  concurrency INTEGER NOT NULL,
  total INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  error TEXT NOT NULL,
  key_name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS benchmark_runs_newest ON benchmark_runs (created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS benchmark_results (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  model TEXT NOT NULL,
  task_id TEXT NOT NULL,
  category TEXT NOT NULL,
  score REAL NOT NULL,
  passed INTEGER NOT NULL,
  output TEXT NOT NULL,
  error TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  ttft_ms REAL NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  deployment TEXT NOT NULL,
  provider TEXT NOT NULL,
  upstream_model TEXT NOT NULL,
  UNIQUE (run_id, model, task_id)
);
`;

/**
 * The embedded benchmark store: two tables in the usage ledger's SQLite
 * file, beside the keys and the stored responses (WAL lets the connections
 * share it). A run writes one row per result, a few a second at most, so
 * the statements run on the event loop.
 */
export class SqliteBenchmarkStore implements BenchmarkStore {
  readonly #db: DatabaseSync;
  readonly #saveRun: StatementSync;
  readonly #addResult: StatementSync;
  readonly #getRun: StatementSync;
  readonly #firstPage: StatementSync;
  readonly #nextPage: StatementSync;
  readonly #results: StatementSync;
  readonly #interrupt: StatementSync;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA busy_timeout = 5000;");
    if (path !== ":memory:") this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.#db.exec(SCHEMA);
    this.#saveRun = this.#db.prepare(
      `INSERT OR REPLACE INTO benchmark_runs (${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#addResult = this.#db.prepare(
      `INSERT OR REPLACE INTO benchmark_results (${RESULT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#getRun = this.#db.prepare(`SELECT ${RUN_COLUMNS} FROM benchmark_runs WHERE id = ?`);
    this.#firstPage = this.#db.prepare(
      `SELECT ${RUN_COLUMNS} FROM benchmark_runs ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
    this.#nextPage = this.#db.prepare(
      `SELECT ${RUN_COLUMNS} FROM benchmark_runs WHERE created_at < ? OR (created_at = ? AND id < ?)
       ORDER BY created_at DESC, id DESC LIMIT ?`,
    );
    this.#results = this.#db.prepare(
      `SELECT ${RESULT_COLUMNS} FROM benchmark_results WHERE run_id = ? ORDER BY seq`,
    );
    this.#interrupt = this.#db.prepare(
      "UPDATE benchmark_runs SET state = 'interrupted', ended_at = ?, error = ? WHERE state IN ('queued', 'running')",
    );
  }

  async saveRun(r: BenchmarkRunRecord): Promise<void> {
    this.#saveRun.run(...runValues(r));
  }

  async addResult(r: BenchmarkResultRecord): Promise<void> {
    this.#addResult.run(...resultValues(r));
  }

  async getRun(id: string): Promise<BenchmarkRunRecord | undefined> {
    const row = this.#getRun.get(id) as RunRow | undefined;
    return row === undefined ? undefined : runFromRow(row);
  }

  async listRuns(pageSize: number, pageToken?: string): Promise<RunPage> {
    const size = runPageSize(pageSize);
    const after = decodeRunCursor(pageToken);
    const rows = (after === undefined
      ? this.#firstPage.all(size + 1)
      : this.#nextPage.all(after.at, after.at, after.id, size + 1)) as unknown as RunRow[];
    return runPage(rows, size);
  }

  async results(runId: string): Promise<BenchmarkResultRecord[]> {
    return (this.#results.all(runId) as unknown as ResultRow[]).map(resultFromRow);
  }

  async interruptUnfinished(at: number, reason: string): Promise<number> {
    return Number(this.#interrupt.run(at, reason).changes);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
