import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import type { UsageQuery } from "../ledger-sink.ts";
import { appendRow, type ColumnBatch, ROW_COLUMNS } from "./record-columns.ts";
import { lastRowid, migrateRollup, rolledUpTotals, rollUp } from "./usage-rollup.ts";

/**
 * The ledger's SQLite thread. It owns the database file, so every write,
 * every fsync and every WAL checkpoint happens here and never stalls the
 * gateway's event loop. Messages are handled strictly in the order they are
 * posted, which is what lets `totals` see every batch posted before it.
 * Started by `SqliteLedger`; see that class for the protocol.
 * @private
 */

/** What the main thread posts. */
export type LedgerRequest =
  | { readonly type: "batch"; readonly batch: ColumnBatch }
  | { readonly type: "totals"; readonly id: number; readonly query: UsageQuery }
  | { readonly type: "close"; readonly id: number };

/** What the worker posts back. */
export type LedgerReply =
  /** A failed write (`rows`: the batch's rows, lost), or a failure to open the ledger. */
  | { readonly type: "error"; readonly error: unknown; readonly rows?: number }
  | { readonly type: "done"; readonly id: number; readonly rows?: unknown[]; readonly error?: unknown };

/** Rows per multi-row INSERT (20 columns each, well under SQLite's 32766 parameter limit). */
const BATCH_ROWS = 64;
const ROW = `(${ROW_COLUMNS.map(() => "?").join(", ")})`;
const INSERT = `INSERT INTO usage (${ROW_COLUMNS.join(", ")}) VALUES`;

/** The table as the first release created it; `ADDED_COLUMNS` come on top, on new and old files alike. */
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
 * Columns added since the first release, in order, with their declarations.
 * A file written by an older gateway gets them when it is opened, and its
 * old rows read as 0 attempts and no deployment. Append here; never edit
 * `SCHEMA`.
 */
const ADDED_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["attempts", "INTEGER NOT NULL DEFAULT 0"],
  ["deployment", "TEXT NOT NULL DEFAULT ''"],
  ["team", "TEXT NOT NULL DEFAULT ''"],
  ["cache", "TEXT NOT NULL DEFAULT ''"],
  ["cost_saved_usd", "REAL"],
];

/**
 * Creates the table, or brings an older one up to date. One write
 * transaction, so two gateways opening the same old file at once do not both
 * add a column (the second waits on busy_timeout, then finds it there).
 */
function migrate(db: DatabaseSync): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(SCHEMA);
    const rows = db.prepare("SELECT name FROM pragma_table_info('usage')").all();
    const have = new Set(rows.map((row) => row.name));
    for (const [name, declaration] of ADDED_COLUMNS) {
      if (!have.has(name)) db.exec(`ALTER TABLE usage ADD COLUMN ${name} ${declaration}`);
    }
    migrateRollup(db);
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

interface Ledger {
  readonly db: DatabaseSync;
  readonly insert: StatementSync;
  readonly insertMany: StatementSync;
}

function open(path: string): Ledger {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  // Another process (a second gateway, a reader) may hold the file for a moment: wait, here off the event loop.
  db.exec("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  migrate(db);
  return {
    db,
    insert: db.prepare(`${INSERT} ${ROW}`),
    insertMany: db.prepare(`${INSERT} ${Array(BATCH_ROWS).fill(ROW).join(", ")}`),
  };
}

/** Writes one batch in one transaction; many rows per statement, since per-statement cost dominates. */
function write(ledger: Ledger, batch: ColumnBatch): void {
  ledger.db.exec("BEGIN");
  try {
    const after = lastRowid(ledger.db);
    let i = 0;
    for (; i + BATCH_ROWS <= batch.count; i += BATCH_ROWS) {
      const params: Array<string | number | null> = [];
      for (let row = i; row < i + BATCH_ROWS; row++) appendRow(batch, row, params);
      ledger.insertMany.run(...params);
    }
    for (; i < batch.count; i++) {
      const params: Array<string | number | null> = [];
      appendRow(batch, i, params);
      ledger.insert.run(...params);
    }
    rollUp(ledger.db, after);
    ledger.db.exec("COMMIT");
  } catch (error) {
    try {
      ledger.db.exec("ROLLBACK");
    } catch {
      // The transaction may already be gone; the error that is reported says why.
    }
    throw error;
  }
}

/** Whole days from the roll-ups, the edges from the raw rows (usage-rollup.ts). */
function totals(ledger: Ledger, query: UsageQuery): unknown[] {
  return rolledUpTotals(ledger.db, query);
}

const port = parentPort;
if (port === null) throw new Error("ledger-worker.ts runs as a worker thread, started by SqliteLedger");

let ledger: Ledger | undefined;
let openError: unknown;
try {
  ledger = open(String(workerData.path));
} catch (error) {
  openError = error;
  port.postMessage({ type: "error", error } satisfies LedgerReply);
}

port.on("message", (message: LedgerRequest) => {
  if (message.type === "batch") {
    try {
      if (ledger === undefined) throw openError;
      write(ledger, message.batch);
    } catch (error) {
      port.postMessage({ type: "error", error, rows: message.batch.count } satisfies LedgerReply);
    }
  } else if (message.type === "totals") {
    try {
      if (ledger === undefined) throw openError;
      port.postMessage({
        type: "done",
        id: message.id,
        rows: totals(ledger, message.query),
      } satisfies LedgerReply);
    } catch (error) {
      port.postMessage({ type: "done", id: message.id, error } satisfies LedgerReply);
    }
  } else {
    ledger?.db.close();
    ledger = undefined;
    openError = new Error("the usage ledger is closed");
    port.postMessage({ type: "done", id: message.id } satisfies LedgerReply);
    port.close();
  }
});
