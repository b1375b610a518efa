import { decodeCursor, encodeCursor } from "./audit-sink.ts";

/**
 * The benchmark store's port: the suite's runs and their per-task results.
 * Embedded they are two tables in the ledger's SQLite file; distributed,
 * PostgreSQL, so any replica can read a run another replica ran. Each
 * operation is one statement (or one transaction) in the backend.
 */

/** Where a run stands. */
export type RunState = "queued" | "running" | "succeeded" | "failed" | "interrupted";

/** One run and its progress. */
export interface BenchmarkRunRecord {
  readonly id: string;
  readonly state: RunState;
  /** Model names as a caller asks for them, in the order given. */
  readonly models: readonly string[];
  readonly taskIds: readonly string[];
  readonly concurrency: number;
  /** models × tasks. */
  readonly total: number;
  /** Results stored, answered or failed. */
  readonly completed: number;
  /** Results that failed. */
  readonly failed: number;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms; 0 while the run is not over. */
  readonly endedAt: number;
  /** Why the run failed or stopped; "" otherwise. */
  readonly error: string;
  /** The key that started it. */
  readonly keyName: string;
}

/** One task on one model. */
export interface BenchmarkResultRecord {
  readonly runId: string;
  readonly model: string;
  readonly taskId: string;
  readonly category: string;
  /** 0 to 1. */
  readonly score: number;
  readonly passed: boolean;
  /** The answer as received, capped. */
  readonly output: string;
  /** The error, when the request failed; "" otherwise. */
  readonly error: string;
  readonly latencyMs: number;
  readonly ttftMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  /** The deployment, provider and upstream model that served it; "" when none did. */
  readonly deployment: string;
  readonly provider: string;
  readonly upstreamModel: string;
}

/** One page of runs, newest first. */
export interface RunPage {
  readonly runs: BenchmarkRunRecord[];
  /** "" on the last page. */
  readonly nextPageToken: string;
}

export interface BenchmarkStore {
  /** Stores a run, replacing the one stored under its id. */
  saveRun(run: BenchmarkRunRecord): Promise<void>;
  /** Stores a result, replacing one for the same run, model and task. */
  addResult(result: BenchmarkResultRecord): Promise<void>;
  getRun(id: string): Promise<BenchmarkRunRecord | undefined>;
  /** Newest first, by a (createdAt, id) cursor. */
  listRuns(pageSize: number, pageToken?: string): Promise<RunPage>;
  /** The run's results, in the order they were stored. */
  results(runId: string): Promise<BenchmarkResultRecord[]>;
  /** Marks every queued or running run interrupted, ended at `at`; returns how many. For a restart. */
  interruptUnfinished(at: number, reason: string): Promise<number>;
  close(): Promise<void>;
}

/** Most runs a page holds, whatever the caller asks. */
export const MAX_RUN_PAGE = 100;

/** A page size within 1..MAX_RUN_PAGE (0 or absent: 20). */
export function runPageSize(size: number): number {
  if (!Number.isFinite(size) || size <= 0) return 20;
  return Math.min(Math.floor(size), MAX_RUN_PAGE);
}

/** The cursor after a page's last run. */
export function runCursor(run: BenchmarkRunRecord): string {
  return encodeCursor({ at: run.createdAt, id: run.id });
}

/** The (createdAt, id) a page token stands for; undefined for the first page; throws RangeError on a foreign one. */
export function decodeRunCursor(token: string | undefined): { at: number; id: string } | undefined {
  return decodeCursor(token);
}
