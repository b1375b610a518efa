import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { LedgerSink } from "./ledger-sink.ts";
import { RecordColumns } from "./record-columns.ts";

/** One served request, as the ledger keeps it. */
export interface UsageRecord {
  readonly at: number;
  readonly requestId: string;
  readonly key: string;
  readonly surface: string;
  readonly provider: string;
  readonly model: string;
  readonly status: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  readonly estimated: boolean;
  readonly latencyMs: number;
  readonly ttftMs: number;
  readonly costUsd: number | undefined;
}

/** A filter and time range for reading the ledger back. */
export interface UsageQuery {
  readonly startMs: number;
  readonly endMs: number;
  readonly key?: string;
  readonly provider?: string;
  readonly model?: string;
}

/** Totals of one key, provider and model on one UTC day. */
export interface UsageTotals {
  day: string;
  key: string;
  provider: string;
  model: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  avgLatencyMs: number;
}

/** Rows per multi-row INSERT (15 columns each, well under SQLite's 32766 parameter limit). */
const BATCH_ROWS = 64;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS usage (
  at INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  key TEXT NOT NULL,
  surface TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  ttft_ms REAL NOT NULL,
  cost_usd REAL
);
CREATE INDEX IF NOT EXISTS usage_at ON usage (at);
`;

/**
 * The usage ledger: every request, in an embedded SQLite file.
 *
 * Writes never happen on the request path. `record` only appends to a buffer;
 * a timer flushes the buffer in one transaction of multi-row INSERTs, so the
 * cost per request is an array push and the file sees one write per
 * interval. (Inserting each row at once into an open transaction was tried:
 * it cost more CPU per request and did not reduce promotion to old space.)
 */
export class UsageLedger implements LedgerSink {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #insertMany: StatementSync;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  readonly #pending = new RecordColumns();

  constructor(path: string, flushIntervalMs = 250, onError: (error: unknown) => void = () => {}) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.#db.exec(SCHEMA);
    const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    this.#insert = this.#db.prepare(`INSERT INTO usage VALUES ${row}`);
    this.#insertMany = this.#db.prepare(`INSERT INTO usage VALUES ${Array(BATCH_ROWS).fill(row).join(", ")}`);
    this.#onError = onError;
    this.#timer = setInterval(() => this.flush(), flushIntervalMs);
    this.#timer.unref();
  }

  record(entry: UsageRecord): void {
    this.#pending.push(entry);
  }

  /** Writes buffered records in one transaction. A failing write is reported, never thrown at a caller. */
  flush(): void {
    const pending = this.#pending;
    const count = pending.count;
    if (count === 0) return;
    this.#db.exec("BEGIN");
    try {
      // Many rows per statement: SQLite's per-statement cost, not per-row work, dominates small inserts.
      let i = 0;
      for (; i + BATCH_ROWS <= count; i += BATCH_ROWS) {
        const params: Array<string | number | null> = [];
        for (let row = i; row < i + BATCH_ROWS; row++) pending.appendRow(row, params);
        this.#insertMany.run(...params);
      }
      for (; i < count; i++) {
        const params: Array<string | number | null> = [];
        pending.appendRow(i, params);
        this.#insert.run(...params);
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      try {
        this.#db.exec("ROLLBACK");
      } catch {
        // The transaction may already be gone; the error below says why.
      }
      this.#onError(error);
    } finally {
      pending.clear();
    }
  }

  /** Totals per UTC day, key, provider and model; buffered records are flushed first. */
  async totals(query: UsageQuery): Promise<UsageTotals[]> {
    this.flush();
    const where = ["at >= ?", "at < ?"];
    const params: Array<string | number> = [query.startMs, query.endMs];
    for (const [column, value] of [
      ["key", query.key],
      ["provider", query.provider],
      ["model", query.model],
    ] as const) {
      if (value) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    const rows = this.#db
      .prepare(
        `SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS day, key, provider, model,
                COUNT(*) AS requests, SUM(status != 'ok') AS errors,
                SUM(prompt_tokens) AS promptTokens, SUM(completion_tokens) AS completionTokens,
                COALESCE(SUM(cost_usd), 0) AS costUsd, AVG(latency_ms) AS avgLatencyMs
           FROM usage WHERE ${where.join(" AND ")}
          GROUP BY day, key, provider, model ORDER BY day, key, provider, model`,
      )
      .all(...params);
    return rows as unknown as UsageTotals[];
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.flush();
    this.#db.close();
  }
}
