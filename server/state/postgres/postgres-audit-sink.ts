import type pg from "pg";
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
import { openPgPool } from "./pg-pool.ts";
import { createSchema } from "./pg-transaction.ts";

/** Rows that make a flush start before the interval is up. */
const MAX_PENDING = 1_000;
/** Records kept for a retry while PostgreSQL refuses writes; beyond it the oldest are dropped, and said so. */
const MAX_HELD = 20_000;
const POOL_SIZE = 3;
const TIMEOUT_MS = 5_000;
/** Serialises the schema's creation between replicas (not the ledger's lock). */
const SCHEMA_LOCK = 0x6c6c6d61;

const COLUMN_TYPES: Readonly<Record<(typeof AUDIT_COLUMNS)[number], string>> = {
  id: "text",
  at: "bigint",
  request_id: "text",
  surface: "text",
  key: "text",
  team: "text",
  model: "text",
  provider: "text",
  status: "text",
  prompt_tokens: "bigint",
  completion_tokens: "bigint",
  cost_usd: "double precision",
  latency_ms: "double precision",
  mode: "text",
  request: "text",
  response: "text",
  tools_offered: "text",
  tool_calls: "text",
  has_system_prompt: "integer",
  request_hash: "text",
  guard: "text",
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  ${AUDIT_COLUMNS.map((c) => `${c} ${COLUMN_TYPES[c].toUpperCase()}${c === "id" ? " PRIMARY KEY" : c === "cost_usd" ? "" : " NOT NULL"}`).join(",\n  ")}
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at, id);
`;

/** One statement per batch: one array parameter per column, zipped back by `unnest`. */
const INSERT = `INSERT INTO audit (${AUDIT_COLUMNS.join(", ")})
  SELECT * FROM unnest(${AUDIT_COLUMNS.map((c, i) => `$${i + 1}::${COLUMN_TYPES[c]}[]`).join(", ")})
  ON CONFLICT (id) DO NOTHING`;

/**
 * The distributed audit log: an `audit` table in PostgreSQL, shared by every
 * replica. `record` pushes onto an array; every flush interval (or once
 * `MAX_PENDING` wait) the batch goes out as one INSERT … unnest. Flushes and
 * reads run one after another on one chain, so a read sees every record
 * queued before it. A failed batch is held and written again at the next
 * flush (ids make a repeat harmless), up to `MAX_HELD` records. Free text is
 * matched with ILIKE.
 */
export class PostgresAuditSink implements AuditSink {
  readonly #pool: pg.Pool;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  /** Told how many records were lost for good (the dropped-records metric); set by the gateway. */
  onDropped: ((records: number) => void) | undefined;
  #pending: AuditRecord[] = [];
  #held: AuditRecord[] = [];
  /**
   * performance.now() when the oldest record of each stage arrived: queued,
   * in the batch being written, held after a failed write; undefined when
   * the stage is empty.
   */
  #pendingSince: number | undefined;
  #writingSince: number | undefined;
  #heldSince: number | undefined;
  #chain: Promise<void>;
  #ready: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  constructor(
    url: string,
    flushIntervalMs = 1_000,
    onError: (error: unknown) => void = () => {},
    timeoutMs = TIMEOUT_MS,
  ) {
    this.#onError = onError;
    this.#pool = openPgPool({
      url,
      name: "llmgw-audit",
      max: POOL_SIZE,
      timeoutMs,
      onError: (e) => this.#onError(e),
    });
    this.#chain = this.#schema().catch((error: unknown) => this.#onError(error));
    this.#timer = setInterval(() => this.#flush(), flushIntervalMs);
    this.#timer.unref();
  }

  record(entry: AuditRecord): void {
    if (this.#closed !== undefined) return;
    this.#pendingSince ??= performance.now();
    this.#pending.push(entry);
    if (this.#pending.length >= MAX_PENDING) this.#flush();
  }

  lagMs(): number {
    const since = Math.min(
      this.#heldSince ?? Number.POSITIVE_INFINITY,
      this.#writingSince ?? Number.POSITIVE_INFINITY,
      this.#pendingSince ?? Number.POSITIVE_INFINITY,
    );
    return since === Number.POSITIVE_INFINITY ? 0 : performance.now() - since;
  }

  async query(filter: AuditFilter, page: AuditPage): Promise<AuditPageResult> {
    const size = pageSizeOf(page.pageSize);
    const after = decodeCursor(page.pageToken);
    const rows = await this.#select(filter, after && { ...after, descending: true }, size + 1);
    return pageFrom(rows, size);
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    const result = await this.#read((pool) => pool.query("SELECT * FROM audit WHERE id = $1", [id]));
    const row = result.rows[0];
    return row === undefined ? undefined : fromRow(row);
  }

  export(filter: AuditFilter): AsyncIterable<AuditRecord> {
    return exportByCursor((cursor, limit) => this.#select(filter, cursor, limit, false));
  }

  async prune(olderThanMs: number): Promise<number> {
    const result = await this.#read((pool) =>
      pool.query("DELETE FROM audit WHERE at < $1", [Date.now() - olderThanMs]),
    );
    return result.rowCount ?? 0;
  }

  async cap(maxRows: number): Promise<number> {
    const result = await this.#read((pool) =>
      pool.query(`DELETE FROM audit WHERE id IN (SELECT id FROM audit ORDER BY at DESC, id DESC OFFSET $1)`, [
        maxRows,
      ]),
    );
    return result.rowCount ?? 0;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      this.#flush();
      await this.#chain;
      await this.#pool.end();
    })();
    return this.#closed;
  }

  async #select(
    filter: AuditFilter,
    cursor: Cursor | undefined,
    limit: number,
    descending = true,
  ): Promise<AuditRecord[]> {
    const { sql, params } = auditWhere(filter, cursor, (n) => `$${n}`, "ILIKE");
    const order = descending ? "DESC" : "ASC";
    const result = await this.#read((pool) =>
      pool.query(`SELECT * FROM audit ${sql} ORDER BY at ${order}, id ${order} LIMIT $${params.length + 1}`, [
        ...params,
        limit,
      ]),
    );
    return result.rows.map(fromRow);
  }

  /** Runs a read or delete after every flush queued before it. */
  #read<T>(work: (pool: pg.Pool) => Promise<T>): Promise<T> {
    if (this.#closed !== undefined) return Promise.reject(new Error("the audit log is closed"));
    this.#flush();
    const read = this.#chain.then(() => this.#schema()).then(() => work(this.#pool));
    this.#chain = read.then(
      () => {},
      () => {},
    );
    return read;
  }

  #flush(): void {
    if (this.#pending.length === 0 && this.#held.length === 0) return;
    this.#chain = this.#chain.then(() => this.#write());
  }

  async #write(): Promise<void> {
    const batch = this.#held.concat(this.#pending);
    const since = this.#heldSince ?? this.#pendingSince;
    this.#held = [];
    this.#pending = [];
    this.#heldSince = undefined;
    this.#pendingSince = undefined;
    if (batch.length === 0) return;
    this.#writingSince = since;
    try {
      await this.#schema();
      await this.#pool.query(INSERT, columnsOf(batch));
      this.#writingSince = undefined;
    } catch (error) {
      this.#writingSince = undefined;
      this.#heldSince = since;
      this.#onError(error);
      const dropped = batch.length - MAX_HELD;
      if (dropped > 0) {
        this.#onError(new Error(`the audit log dropped ${dropped} records: PostgreSQL refused writes`));
        this.onDropped?.(dropped);
      }
      this.#held = dropped > 0 ? batch.slice(dropped) : batch;
    }
  }

  #schema(): Promise<void> {
    this.#ready ??= createSchema(this.#pool, SCHEMA_LOCK, SCHEMA).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }
}

function columnsOf(batch: readonly AuditRecord[]): AuditCell[][] {
  const columns = AUDIT_COLUMNS.map(() => new Array<AuditCell>(batch.length));
  for (let i = 0; i < batch.length; i++) {
    const row = toRow(batch[i] as AuditRecord);
    for (let c = 0; c < columns.length; c++) (columns[c] as AuditCell[])[i] = row[c] as AuditCell;
  }
  return columns;
}
