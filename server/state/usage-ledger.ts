import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";

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
 * Each record is inserted at once into a transaction that a timer commits
 * every interval, so the file sees one write per interval and the rows wait
 * in SQLite's own memory, not in the JavaScript heap: a JS-side buffer of
 * records outlives young-generation GCs, gets promoted, and costs full-GC
 * pauses at the latency tail.
 */
export class UsageLedger {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  #inTransaction = false;

  constructor(path: string, flushIntervalMs = 250, onError: (error: unknown) => void = () => {}) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare("INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    this.#onError = onError;
    this.#timer = setInterval(() => this.flush(), flushIntervalMs);
    this.#timer.unref();
  }

  /** Adds one request to the open transaction. A failing write is reported, never thrown at a request. */
  record(r: UsageRecord): void {
    try {
      if (!this.#inTransaction) {
        this.#db.exec("BEGIN");
        this.#inTransaction = true;
      }
      this.#insert.run(
        r.at,
        r.requestId,
        r.key,
        r.surface,
        r.provider,
        r.model,
        r.status,
        r.promptTokens,
        r.completionTokens,
        r.cachedTokens,
        r.reasoningTokens,
        r.estimated ? 1 : 0,
        r.latencyMs,
        r.ttftMs,
        r.costUsd ?? null,
      );
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Commits the open transaction, making its records durable and visible. */
  flush(): void {
    if (!this.#inTransaction) return;
    this.#inTransaction = false;
    try {
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Totals per UTC day, key, provider and model; buffered records are flushed first. */
  totals(query: UsageQuery): UsageTotals[] {
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

  close(): void {
    clearInterval(this.#timer);
    this.flush();
    this.#db.close();
  }
}
