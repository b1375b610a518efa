import type pg from "pg";
import type { ResponseStore, StoredResponse } from "../response-store.ts";
import { openPgPool } from "./pg-pool.ts";
import { createSchema } from "./pg-transaction.ts";

/** Requests wait on it (a continued conversation reads, a stored one writes), so a few connections. */
const POOL_SIZE = 4;
/** How long a connection attempt or a query may take before it fails (a hung or unreachable server). */
const TIMEOUT_MS = 5_000;
/** Serialises the schema's creation between replicas starting together (not the key store's lock). */
const SCHEMA_LOCK = 0x72657370;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS responses (
  id TEXT PRIMARY KEY,
  key_name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  conversation TEXT NOT NULL,
  response TEXT NOT NULL
);
`;

const PUT = `INSERT INTO responses (id, key_name, created_at, conversation, response) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO UPDATE SET key_name = $2, created_at = $3, conversation = $4, response = $5`;

/** A row as node-postgres returns it: BIGINT columns arrive as strings. */
interface ResponseRow {
  id: string;
  key_name: string;
  created_at: string;
  conversation: string;
  response: string;
}

/**
 * The distributed response store: a `responses` table in PostgreSQL, in the
 * ledger's database, shared by every replica, so a conversation answered by
 * one replica continues on any other. Each operation is one statement.
 */
export class PostgresResponseStore implements ResponseStore {
  readonly #pool: pg.Pool;
  #ready: Promise<void> | undefined;

  constructor(url: string, onError: (error: unknown) => void = () => {}, timeoutMs = TIMEOUT_MS) {
    this.#pool = openPgPool({ url, name: "llmgw-responses", max: POOL_SIZE, timeoutMs, onError: onError });
  }

  async put(r: StoredResponse): Promise<void> {
    await this.#schema();
    await this.#pool.query(PUT, [r.id, r.keyName, r.createdAt, r.conversation, r.response]);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    await this.#schema();
    const { rows } = await this.#pool.query<ResponseRow>(
      "SELECT id, key_name, created_at, conversation, response FROM responses WHERE id = $1",
      [id],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          id: row.id,
          keyName: row.key_name,
          createdAt: Number(row.created_at),
          conversation: row.conversation,
          response: row.response,
        };
  }

  async delete(id: string): Promise<boolean> {
    await this.#schema();
    const { rowCount } = await this.#pool.query("DELETE FROM responses WHERE id = $1", [id]);
    return (rowCount ?? 0) > 0;
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
