import {
  type BenchmarkResultRecord,
  type BenchmarkRunRecord,
  type RunPage,
  type RunState,
  runCursor,
} from "./benchmark-store.ts";

/** The benchmark tables' columns and rows, shared by the SQLite and PostgreSQL backends. */

export const RUN_COLUMNS =
  "id, state, models, task_ids, concurrency, total, completed, failed, created_at, ended_at, error, key_name";
export const RESULT_COLUMNS =
  "run_id, model, task_id, category, score, passed, output, error, latency_ms, ttft_ms, input_tokens, output_tokens, cost_usd, deployment, provider, upstream_model";

/** A run row, as both backends return it (PostgreSQL's BIGINTs arrive as strings). */
export interface RunRow {
  id: string;
  state: string;
  models: string;
  task_ids: string;
  concurrency: number | string;
  total: number | string;
  completed: number | string;
  failed: number | string;
  created_at: number | string;
  ended_at: number | string;
  error: string;
  key_name: string;
}

/** A result row, as both backends return it. */
export interface ResultRow {
  run_id: string;
  model: string;
  task_id: string;
  category: string;
  score: number | string;
  passed: number | boolean;
  output: string;
  error: string;
  latency_ms: number | string;
  ttft_ms: number | string;
  input_tokens: number | string;
  output_tokens: number | string;
  cost_usd: number | string;
  deployment: string;
  provider: string;
  upstream_model: string;
}

/** A run's column values, in RUN_COLUMNS order. */
export function runValues(r: BenchmarkRunRecord): (string | number)[] {
  return [
    r.id,
    r.state,
    JSON.stringify(r.models),
    JSON.stringify(r.taskIds),
    r.concurrency,
    r.total,
    r.completed,
    r.failed,
    r.createdAt,
    r.endedAt,
    r.error,
    r.keyName,
  ];
}

/** A result's column values, in RESULT_COLUMNS order (`passed` as 0 or 1). */
export function resultValues(r: BenchmarkResultRecord): (string | number)[] {
  return [
    r.runId,
    r.model,
    r.taskId,
    r.category,
    r.score,
    r.passed ? 1 : 0,
    r.output,
    r.error,
    r.latencyMs,
    r.ttftMs,
    r.inputTokens,
    r.outputTokens,
    r.costUsd,
    r.deployment,
    r.provider,
    r.upstreamModel,
  ];
}

/** One page from `size + 1` rows: the extra row only says there is another page. */
export function runPage(rows: readonly RunRow[], size: number): RunPage {
  const runs = rows.slice(0, size).map(runFromRow);
  const last = runs[runs.length - 1];
  return { runs, nextPageToken: rows.length > size && last !== undefined ? runCursor(last) : "" };
}

export function runFromRow(row: RunRow): BenchmarkRunRecord {
  return {
    id: row.id,
    state: row.state as RunState,
    models: JSON.parse(row.models) as string[],
    taskIds: JSON.parse(row.task_ids) as string[],
    concurrency: Number(row.concurrency),
    total: Number(row.total),
    completed: Number(row.completed),
    failed: Number(row.failed),
    createdAt: Number(row.created_at),
    endedAt: Number(row.ended_at),
    error: row.error,
    keyName: row.key_name,
  };
}

export function resultFromRow(row: ResultRow): BenchmarkResultRecord {
  return {
    runId: row.run_id,
    model: row.model,
    taskId: row.task_id,
    category: row.category,
    score: Number(row.score),
    passed: row.passed === true || Number(row.passed) === 1,
    output: row.output,
    error: row.error,
    latencyMs: Number(row.latency_ms),
    ttftMs: Number(row.ttft_ms),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: Number(row.cost_usd),
    deployment: row.deployment,
    provider: row.provider,
    upstreamModel: row.upstream_model,
  };
}
