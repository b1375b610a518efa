import type pg from "pg";
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
import { openPgPool } from "./pg-pool.ts";
import { createSchema, inTransaction } from "./pg-transaction.ts";

/** A run writes a result at a time and readers poll: a few connections. */
const POOL_SIZE = 4;
/** How long a connection attempt or a query may take before it fails. */
const TIMEOUT_MS = 5_000;
/** Serialises the schema's creation between replicas starting together ("benc"). */
const SCHEMA_LOCK = 0x62656e63;

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
  created_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  error TEXT NOT NULL,
  key_name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS benchmark_runs_newest ON benchmark_runs (created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS benchmark_results (
  seq BIGSERIAL PRIMARY KEY,
  run_id TEXT NOT NULL,
  model TEXT NOT NULL,
  task_id TEXT NOT NULL,
  category TEXT NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  passed SMALLINT NOT NULL,
  output TEXT NOT NULL,
  error TEXT NOT NULL,
  latency_ms DOUBLE PRECISION NOT NULL,
  ttft_ms DOUBLE PRECISION NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cost_usd DOUBLE PRECISION NOT NULL,
  deployment TEXT NOT NULL,
  provider TEXT NOT NULL,
  upstream_model TEXT NOT NULL,
  UNIQUE (run_id, model, task_id)
);
`;

const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(", ");

const SAVE_RUN = `INSERT INTO benchmark_runs (${RUN_COLUMNS}) VALUES (${placeholders(12)})
ON CONFLICT (id) DO UPDATE SET state = $2, models = $3, task_ids = $4, concurrency = $5, total = $6,
  completed = $7, failed = $8, created_at = $9, ended_at = $10, error = $11, key_name = $12`;

/** A result stored again for the same run, model and task replaces the old one and goes to the end, as in SQLite. */
const ADD_RESULT = `INSERT INTO benchmark_results (${RESULT_COLUMNS}) VALUES (${placeholders(16)})`;
const REMOVE_RESULT = "DELETE FROM benchmark_results WHERE run_id = $1 AND model = $2 AND task_id = $3";

/**
 * The distributed benchmark store: two tables in PostgreSQL, in the
 * ledger's database, so every replica reads every run.
 */
export class PostgresBenchmarkStore implements BenchmarkStore {
  readonly #pool: pg.Pool;
  #ready: Promise<void> | undefined;

  constructor(url: string, onError: (error: unknown) => void = () => {}, timeoutMs = TIMEOUT_MS) {
    this.#pool = openPgPool({ url, name: "llmgw-benchmarks", max: POOL_SIZE, timeoutMs, onError });
  }

  async saveRun(r: BenchmarkRunRecord): Promise<void> {
    await this.#schema();
    await this.#pool.query(SAVE_RUN, runValues(r));
  }

  async addResult(r: BenchmarkResultRecord): Promise<void> {
    await this.#schema();
    await inTransaction(this.#pool, async (client) => {
      await client.query(REMOVE_RESULT, [r.runId, r.model, r.taskId]);
      await client.query(ADD_RESULT, resultValues(r));
    });
  }

  async getRun(id: string): Promise<BenchmarkRunRecord | undefined> {
    await this.#schema();
    const { rows } = await this.#pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM benchmark_runs WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row === undefined ? undefined : runFromRow(row);
  }

  async listRuns(pageSize: number, pageToken?: string): Promise<RunPage> {
    const size = runPageSize(pageSize);
    const after = decodeRunCursor(pageToken);
    await this.#schema();
    const { rows } =
      after === undefined
        ? await this.#pool.query<RunRow>(
            `SELECT ${RUN_COLUMNS} FROM benchmark_runs ORDER BY created_at DESC, id DESC LIMIT $1`,
            [size + 1],
          )
        : await this.#pool.query<RunRow>(
            `SELECT ${RUN_COLUMNS} FROM benchmark_runs WHERE (created_at, id) < ($1, $2)
             ORDER BY created_at DESC, id DESC LIMIT $3`,
            [after.at, after.id, size + 1],
          );
    return runPage(rows, size);
  }

  async results(runId: string): Promise<BenchmarkResultRecord[]> {
    await this.#schema();
    const { rows } = await this.#pool.query<ResultRow>(
      `SELECT ${RESULT_COLUMNS} FROM benchmark_results WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    return rows.map(resultFromRow);
  }

  async interruptUnfinished(at: number, reason: string): Promise<number> {
    await this.#schema();
    const { rowCount } = await this.#pool.query(
      "UPDATE benchmark_runs SET state = 'interrupted', ended_at = $1, error = $2 WHERE state IN ('queued', 'running')",
      [at, reason],
    );
    return rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }

  #schema(): Promise<void> {
    this.#ready ??= createSchema(this.#pool, SCHEMA_LOCK, SCHEMA).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }
}
