import { randomUUID } from "node:crypto";
import type pg from "pg";
import { GatewayError } from "../../errors/gateway-error.ts";
import type { LedgerSink, UsageQuery, UsageRecord, UsageTotals } from "../ledger-sink.ts";
import { appendRow, type ColumnBatch, RecordColumns, ROW_COLUMNS } from "../sqlite/record-columns.ts";
import { openPgPool } from "./pg-pool.ts";
import { createSchema } from "./pg-transaction.ts";
import { insertWithRollup, ROLLUP_SCHEMA, readRolledUpTotals } from "./postgres-rollup.ts";

/** Rows that make a flush start before the interval is up. */
const MAX_PENDING_ROWS = 2_000;
/**
 * Rows kept for a retry while PostgreSQL cannot take them (about 200 bytes
 * each: 20 MB at most); beyond it the oldest batches are dropped, and said so.
 */
const MAX_HELD_ROWS = 100_000;
/** Connections of the ledger's own pool: one writing, the others for `totals`. */
const POOL_SIZE = 3;
/** How long a connection attempt or a query may take before it fails (a hung or unreachable server). */
const TIMEOUT_MS = 5_000;
/** Any constant both gateways agree on: serialises the schema's creation between replicas. */
const SCHEMA_LOCK = 0x6c6c6d67;
/** How long a written batch's id is kept, so a late retry of it is recognised (ms). */
const BATCH_IDS_KEPT_MS = 86_400_000;
/** How often the ids older than that are deleted (ms). */
const PRUNE_EVERY_MS = 600_000;

/** Each column's PostgreSQL type, in `ROW_COLUMNS` order. */
const COLUMN_TYPES: Readonly<Record<(typeof ROW_COLUMNS)[number], string>> = {
  at: "bigint",
  request_id: "text",
  key: "text",
  surface: "text",
  provider: "text",
  model: "text",
  status: "text",
  prompt_tokens: "bigint",
  completion_tokens: "bigint",
  cached_tokens: "bigint",
  reasoning_tokens: "bigint",
  estimated: "boolean",
  latency_ms: "double precision",
  ttft_ms: "double precision",
  cost_usd: "double precision",
  attempts: "integer",
  deployment: "text",
  team: "text",
  cache: "text",
  cost_saved_usd: "double precision",
};

/**
 * The table as the first release created it; `ADDED_COLUMNS` come on top, on
 * new and old databases alike. Append there; never edit this.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS usage (
  at BIGINT NOT NULL,
  request_id TEXT NOT NULL,
  key TEXT NOT NULL,
  surface TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  prompt_tokens BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cached_tokens BIGINT NOT NULL,
  reasoning_tokens BIGINT NOT NULL,
  estimated BOOLEAN NOT NULL,
  latency_ms DOUBLE PRECISION NOT NULL,
  ttft_ms DOUBLE PRECISION NOT NULL,
  cost_usd DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS usage_at ON usage (at);
ALTER TABLE usage ADD COLUMN IF NOT EXISTS attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage ADD COLUMN IF NOT EXISTS deployment TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN IF NOT EXISTS team TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN IF NOT EXISTS cache TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN IF NOT EXISTS cost_saved_usd DOUBLE PRECISION;
CREATE TABLE IF NOT EXISTS usage_batches (id TEXT PRIMARY KEY, at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS usage_batches_at ON usage_batches (at);
${ROLLUP_SCHEMA}`;

/**
 * One statement for any number of rows: each column is one array parameter,
 * zipped back by `unnest`, and the same rows added to the daily roll-ups.
 */
const BATCH_ID = `$${ROW_COLUMNS.length + 1}::text`;
const BATCH_AT = `$${ROW_COLUMNS.length + 2}::bigint`;
/**
 * A batch is written at most once, however often it is sent: its id goes in
 * `usage_batches` in the same statement, and a batch whose id is already
 * there (an earlier attempt that timed out, then committed) adds no row. A
 * second attempt racing the first waits on the id's key and then adds none.
 */
const INSERT = insertWithRollup(
  `INSERT INTO usage (${ROW_COLUMNS.join(", ")})
  SELECT * FROM unnest(${ROW_COLUMNS.map((column, i) => `$${i + 1}::${COLUMN_TYPES[column]}[]`).join(", ")})
  WHERE EXISTS (SELECT 1 FROM batch)`,
  `batch AS (INSERT INTO usage_batches (id, at) VALUES (${BATCH_ID}, ${BATCH_AT}) ON CONFLICT (id) DO NOTHING RETURNING id),`,
);
const PRUNE = "DELETE FROM usage_batches WHERE at < $1";

/**
 * The distributed usage ledger: a `usage` table in PostgreSQL, shared by
 * every replica.
 *
 * `record` only copies the row into columns (`RecordColumns`, as the SQLite
 * ledger does). Every flush interval, or as soon as `MAX_PENDING_ROWS` wait,
 * the batch goes out as one INSERT whose parameters are one array per
 * column, so a batch costs one round trip whatever its size. Flushes and
 * reads run one after another on one chain, which is what lets `totals` see
 * every row recorded before it and none recorded after. A failed write goes to `onError`, never to a
 * caller, and its batch is held and written again, before anything newer, at the next flush: a
 * PostgreSQL that is down or restarting loses no rows, up to `MAX_HELD_ROWS` (then the oldest are
 * dropped, and reported). A write that timed out after PostgreSQL committed it (a hung server that
 * resumes) is sent again, but each batch carries an id, and a batch already written adds nothing:
 * every row lands exactly once.
 * Connecting and every query give up after `timeoutMs`, so a hung server
 * stalls neither the flushes nor `close`.
 */
export class PostgresLedger implements LedgerSink {
  readonly #pool: pg.Pool;
  readonly #timer: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  readonly #pending = new RecordColumns();
  /** performance.now() when the oldest pending row was recorded; 0 when none is. */
  #pendingSince = 0;
  /** Batches a write failed for, oldest first, waiting for the next flush. */
  readonly #held: ColumnBatch[] = [];
  /** When each held batch's oldest row was recorded, in step with `#held`. */
  readonly #heldSince: number[] = [];
  /** Each held batch's id, in step with `#held`: the same on every attempt. */
  readonly #heldIds: string[] = [];
  /** Date.now() when old batch ids were last deleted. */
  #prunedAt = 0;
  /** Told how many records were lost for good (the dropped-records metric); set by the gateway. */
  onDropped: ((records: number) => void) | undefined;

  #heldRows = 0;
  /** A flush is under way: the next one waits for it rather than queueing behind it. */
  #writing = false;
  /** Every flush and every read, in order. Never rejects. */
  #writes: Promise<void>;
  /** Creating the schema; dropped when it fails, so that the next write or read tries again. */
  #ready: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  constructor(
    url: string,
    flushIntervalMs = 250,
    onError: (error: unknown) => void = () => {},
    timeoutMs = TIMEOUT_MS,
  ) {
    this.#onError = onError;
    this.#pool = openPgPool({
      url,
      name: "llmgw-ledger",
      max: POOL_SIZE,
      timeoutMs,
      onError: (error) => this.#onError(error),
    });
    this.#writes = this.#schema().catch((error: unknown) => this.#onError(error));
    this.#timer = setInterval(() => this.#flush(), flushIntervalMs);
    this.#timer.unref();
  }

  record(entry: UsageRecord): void {
    if (this.#closed !== undefined) return;
    if (this.#pending.count === 0) this.#pendingSince = performance.now();
    this.#pending.push(entry);
    if (this.#pending.count >= MAX_PENDING_ROWS) this.#flush();
  }

  async totals(query: UsageQuery): Promise<UsageTotals[]> {
    if (this.#closed !== undefined) throw new GatewayError("unavailable", "the usage ledger is closed");
    this.#flush(true);
    // In the chain, not beside it: a batch flushed after this call must not land before its read.
    const read = this.#writes.then(() => this.#schema()).then(() => readRolledUpTotals(this.#pool, query));
    this.#writes = read.then(
      () => {},
      () => {},
    );
    try {
      return await read;
    } catch (error) {
      throw new GatewayError("unavailable", `the usage ledger cannot be read: ${(error as Error).message}`);
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      this.#flush(true);
      await this.#writes;
      await this.#pool.end();
    })();
    return this.#closed;
  }

  /**
   * Starts writing what waits. The timer's flush skips while one is under way
   * (a PostgreSQL that is down must not pile up attempts); a read or close
   * (`always`) queues one behind it, so it sees every row recorded before it.
   */
  #flush(always = false): void {
    if (this.#pending.count === 0 && this.#heldRows === 0) return;
    if (this.#writing && !always) return;
    this.#writing = true;
    if (this.#pending.count > 0) this.#hold(this.#pending.take(), this.#pendingSince);
    // Up to what is held now, not what a later flush adds: a read queued after this one must not see it.
    const last = this.#held[this.#held.length - 1] as ColumnBatch;
    this.#writes = this.#writes.then(() => this.#writeHeld(last));
  }

  /** Queues a batch for writing, dropping the oldest held ones beyond the bound. */
  #hold(batch: ColumnBatch, since: number): void {
    this.#held.push(batch);
    this.#heldSince.push(since);
    this.#heldIds.push(randomUUID());
    this.#heldRows += batch.count;
    while (this.#heldRows > MAX_HELD_ROWS && this.#held.length > 1) {
      const dropped = this.#held.shift() as ColumnBatch;
      this.#heldSince.shift();
      this.#heldIds.shift();
      this.#heldRows -= dropped.count;
      this.onDropped?.(dropped.count);
      this.#onError(
        new Error(
          `the usage ledger dropped ${dropped.count} rows: PostgreSQL has refused writes for longer than ` +
            `${MAX_HELD_ROWS} rows could wait`,
        ),
      );
    }
  }

  /** ms the oldest row not yet written has waited (held after a failure, or pending); 0 when none waits. */
  lagMs(): number {
    const since = this.#heldSince[0] ?? (this.#pending.count > 0 ? this.#pendingSince : 0);
    return since === 0 ? 0 : performance.now() - since;
  }

  #schema(): Promise<void> {
    // Creates the table, or brings an older one up to date.
    this.#ready ??= createSchema(this.#pool, SCHEMA_LOCK, SCHEMA).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** Now and then, forgets the ids of batches written long enough ago that no retry of them is left. */
  async #pruneBatchIds(): Promise<void> {
    const now = Date.now();
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    try {
      await this.#pool.query(PRUNE, [now - BATCH_IDS_KEPT_MS]);
    } catch (error) {
      this.#onError(error);
    }
  }

  /**
   * Writes the held batches, oldest first, up to and including `last`, until
   * one fails (it stays held, with those after it).
   */
  async #writeHeld(last: ColumnBatch): Promise<void> {
    try {
      while (this.#held.length > 0) {
        const batch = this.#held[0] as ColumnBatch;
        try {
          await this.#schema();
          await this.#pool.query(INSERT, [...columnsOf(batch), this.#heldIds[0] as string, Date.now()]);
        } catch (error) {
          this.#onError(error);
          return;
        }
        this.#held.shift();
        this.#heldSince.shift();
        this.#heldIds.shift();
        this.#heldRows -= batch.count;
        if (batch === last) break;
      }
      await this.#pruneBatchIds();
    } finally {
      this.#writing = false;
    }
  }
}

/** The batch as one array per column, in `ROW_COLUMNS` order. */
function columnsOf(batch: ColumnBatch): Array<Array<string | number | boolean | null>> {
  const columns = ROW_COLUMNS.map(() => new Array<string | number | boolean | null>(batch.count));
  const row: Array<string | number | null> = [];
  const estimated = ROW_COLUMNS.indexOf("estimated");
  for (let i = 0; i < batch.count; i++) {
    row.length = 0;
    appendRow(batch, i, row);
    for (let c = 0; c < columns.length; c++) (columns[c] as unknown[])[i] = row[c] as string | number | null;
    (columns[estimated] as unknown[])[i] = row[estimated] === 1;
  }
  return columns;
}
