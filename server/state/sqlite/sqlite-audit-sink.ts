import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  AUDIT_COLUMNS,
  type AuditCell,
  auditWhere,
  type Cursor,
  exportByCursor,
  fromRow,
  pageFrom,
  toRow,
} from "../audit-rows.ts";
import {
  type AuditFilter,
  type AuditPage,
  type AuditPageResult,
  type AuditRecord,
  type AuditSink,
  decodeCursor,
  pageSizeOf,
} from "../audit-sink.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  surface TEXT NOT NULL,
  key TEXT NOT NULL,
  team TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  status TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost_usd REAL,
  latency_ms REAL NOT NULL,
  mode TEXT NOT NULL,
  request TEXT NOT NULL,
  response TEXT NOT NULL,
  tools_offered TEXT NOT NULL,
  tool_calls TEXT NOT NULL,
  has_system_prompt INTEGER NOT NULL,
  request_hash TEXT NOT NULL,
  guard TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at, id);
`;

const INSERT = `INSERT OR IGNORE INTO audit (${AUDIT_COLUMNS.join(", ")}) VALUES (${AUDIT_COLUMNS.map(() => "?").join(", ")})`;
/** Rows that make a flush start before the interval is up. */
const MAX_PENDING = 1_000;

/**
 * The embedded audit log: an `audit` table in its own SQLite file (the
 * ledger's worker holds the ledger's file's write lock at every flush, and a
 * write waiting on it here would wait on the event loop).
 *
 * `record` only pushes onto an array. Every flush interval (or once
 * `MAX_PENDING` wait) the batch is written in one transaction with one
 * prepared statement. WAL with `synchronous = NORMAL` makes a commit cost no
 * fsync, so a flush is a few hundred µs for a typical batch; a power cut may
 * lose the last flush, never corrupt the file. Reads flush first, so they
 * see every record queued before them. A failed write goes to `onError`.
 */
export class SqliteAuditSink implements AuditSink {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  /** Told how many records were lost for good (the dropped-records metric); set by the gateway. */
  onDropped: ((records: number) => void) | undefined;
  #pending: AuditRecord[] = [];
  /** performance.now() when the oldest pending record was queued. */
  #pendingSince = 0;
  #closed = false;

  constructor(path: string, flushIntervalMs = 1_000, onError: (error: unknown) => void = () => {}) {
    this.#onError = onError;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA busy_timeout = 5000;");
    if (path !== ":memory:") this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.#db.exec(SCHEMA);
    this.#insert = this.#db.prepare(INSERT);
    this.#timer = setInterval(() => this.#flush(), flushIntervalMs);
    this.#timer.unref();
  }

  record(entry: AuditRecord): void {
    if (this.#closed) return;
    if (this.#pending.length === 0) this.#pendingSince = performance.now();
    this.#pending.push(entry);
    if (this.#pending.length >= MAX_PENDING) this.#flush();
  }

  lagMs(): number {
    return this.#pending.length === 0 ? 0 : performance.now() - this.#pendingSince;
  }

  async query(filter: AuditFilter, page: AuditPage): Promise<AuditPageResult> {
    const size = pageSizeOf(page.pageSize);
    const after = decodeCursor(page.pageToken);
    const rows = this.#select(filter, after && { ...after, descending: true }, size + 1);
    return pageFrom(rows, size);
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    this.#flush();
    const row = this.#db.prepare("SELECT * FROM audit WHERE id = ?").get(id);
    return row === undefined ? undefined : fromRow(row);
  }

  export(filter: AuditFilter): AsyncIterable<AuditRecord> {
    return exportByCursor((cursor, limit) => this.#select(filter, cursor, limit, false));
  }

  async prune(olderThanMs: number): Promise<number> {
    this.#flush();
    return Number(this.#db.prepare("DELETE FROM audit WHERE at < ?").run(Date.now() - olderThanMs).changes);
  }

  async cap(maxRows: number): Promise<number> {
    this.#flush();
    const result = this.#db
      .prepare(
        "DELETE FROM audit WHERE rowid IN (SELECT rowid FROM audit ORDER BY at DESC, id DESC LIMIT -1 OFFSET ?)",
      )
      .run(maxRows);
    return Number(result.changes);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#flush();
    this.#db.close();
  }

  #select(filter: AuditFilter, cursor: Cursor | undefined, limit: number, descending = true): AuditRecord[] {
    this.#flush();
    const { sql, params } = auditWhere(filter, cursor, () => "?", "LIKE");
    const order = descending ? "DESC" : "ASC";
    return this.#db
      .prepare(`SELECT * FROM audit ${sql} ORDER BY at ${order}, id ${order} LIMIT ?`)
      .all(...params, limit)
      .map(fromRow);
  }

  #flush(): void {
    if (this.#pending.length === 0 || !this.#db.isOpen) return;
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#db.exec("BEGIN");
      for (const entry of batch) this.#insert.run(...(toRow(entry) as AuditCell[]));
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      this.#onError(error);
      // A failed batch is not written again: its records are lost.
      this.onDropped?.(batch.length);
    }
  }
}
