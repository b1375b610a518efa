import type pg from "pg";
import type { BudgetRule } from "../../config/budgets-schema.ts";
import type { LimitRule } from "../../config/limits-schema.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { applyKeyChanges, type KeyChanges, type KeyStore, type StoredKey } from "../key-store.ts";
import { openPgPool } from "./pg-pool.ts";
import { createSchema, inTransaction } from "./pg-transaction.ts";

/** Admin calls and start-up only: requests read the in-process cache of keys. */
const POOL_SIZE = 2;
/** How long a connection attempt or a query may take before it fails (a hung or unreachable server). */
const TIMEOUT_MS = 5_000;
/** Serialises the schema's creation between replicas starting together (not the ledger's lock). */
const SCHEMA_LOCK = 0x6b657973;
/** PostgreSQL's SQLSTATE for a unique constraint violation. */
const UNIQUE_VIOLATION = "23505";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  name TEXT PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  owner TEXT NOT NULL,
  team TEXT NOT NULL,
  metadata JSONB NOT NULL,
  admin BOOLEAN NOT NULL,
  priority INTEGER NOT NULL,
  enabled BOOLEAN NOT NULL,
  expires_at BIGINT,
  models TEXT[],
  providers TEXT[],
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  revoked_at BIGINT
);
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS limits JSONB;
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS budgets JSONB;
`;

const COLUMNS =
  "name, digest, prefix, owner, team, metadata, admin, priority, enabled, expires_at, models, providers, created_at, updated_at, revoked_at, limits, budgets";
const PLACEHOLDERS = COLUMNS.split(", ")
  .map((_, i) => `$${i + 1}`)
  .join(", ");
const INSERT = `INSERT INTO api_keys (${COLUMNS}) VALUES (${PLACEHOLDERS})`;
const REPLACE = `UPDATE api_keys SET (${COLUMNS}) = (${PLACEHOLDERS}) WHERE name = $1`;

/** A row as node-postgres returns it: BIGINT columns arrive as strings. */
interface KeyRow {
  name: string;
  digest: string;
  prefix: string;
  owner: string;
  team: string;
  metadata: Record<string, string>;
  admin: boolean;
  priority: number;
  enabled: boolean;
  expires_at: string | null;
  models: string[] | null;
  providers: string[] | null;
  created_at: string;
  updated_at: string;
  revoked_at: string | null;
  /** NULL for a key with no rules of its own, rows from before the column included. */
  limits: LimitRule[] | null;
  budgets: BudgetRule[] | null;
}

/**
 * The distributed key store: an `api_keys` table in PostgreSQL, shared by
 * every replica, in the same database as the usage ledger. Each change is
 * one transaction that locks the key's row, so concurrent updates from any
 * replica never lose one another. Only admin calls and start-up reach it.
 * A replica learns of another's change when it next loads the keys: live
 * invalidation across running replicas (Redis pub/sub) is not part of this
 * store.
 */
export class PostgresKeyStore implements KeyStore {
  readonly #pool: pg.Pool;
  #ready: Promise<void> | undefined;

  constructor(url: string, onError: (error: unknown) => void = () => {}, timeoutMs = TIMEOUT_MS) {
    this.#pool = openPgPool({ url, name: "llmgw-keys", max: POOL_SIZE, timeoutMs, onError: onError });
  }

  async create(key: StoredKey): Promise<void> {
    await this.#schema();
    try {
      await this.#pool.query(INSERT, toParams(key));
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === UNIQUE_VIOLATION && constraint === "api_keys_pkey") {
        throw invalidRequest(`a key named "${key.name}" exists already`, "name");
      }
      throw error;
    }
  }

  async get(digest: string): Promise<StoredKey | undefined> {
    await this.#schema();
    const { rows } = await this.#pool.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE digest = $1`, [
      digest,
    ]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async list(): Promise<StoredKey[]> {
    await this.#schema();
    const { rows } = await this.#pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM api_keys ORDER BY name COLLATE "C"`,
    );
    return rows.map(fromRow);
  }

  update(name: string, changes: KeyChanges, now: number): Promise<StoredKey | undefined> {
    return this.#change(name, (key) => applyKeyChanges(key, changes, now));
  }

  revoke(name: string, now: number): Promise<StoredKey | undefined> {
    return this.#change(name, (key) =>
      key.revokedAt === undefined ? { ...key, revokedAt: now, updatedAt: now } : key,
    );
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

  /** Reads the key's row under a lock, changes it and writes it back, in one transaction. */
  async #change(name: string, change: (key: StoredKey) => StoredKey): Promise<StoredKey | undefined> {
    await this.#schema();
    return inTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<KeyRow>(
        `SELECT ${COLUMNS} FROM api_keys WHERE name = $1 FOR UPDATE`,
        [name],
      );
      if (rows[0] === undefined) return undefined;
      const key = change(fromRow(rows[0]));
      await client.query(REPLACE, toParams(key));
      return key;
    });
  }
}

/** The key's columns, in `COLUMNS` order. */
function toParams(key: StoredKey): unknown[] {
  return [
    key.name,
    key.digest,
    key.prefix,
    key.owner,
    key.team,
    JSON.stringify(key.metadata),
    key.admin,
    key.priority,
    key.enabled,
    key.expiresAt ?? null,
    key.models ?? null,
    key.providers ?? null,
    key.createdAt,
    key.updatedAt,
    key.revokedAt ?? null,
    key.limits === undefined ? null : JSON.stringify(key.limits),
    key.budgets === undefined ? null : JSON.stringify(key.budgets),
  ];
}

function fromRow(row: KeyRow): StoredKey {
  return {
    name: row.name,
    digest: row.digest,
    prefix: row.prefix,
    owner: row.owner,
    team: row.team,
    metadata: row.metadata,
    admin: row.admin,
    priority: row.priority,
    enabled: row.enabled,
    expiresAt: row.expires_at === null ? undefined : Number(row.expires_at),
    models: row.models ?? undefined,
    providers: row.providers ?? undefined,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    revokedAt: row.revoked_at === null ? undefined : Number(row.revoked_at),
    limits: row.limits ?? undefined,
    budgets: row.budgets ?? undefined,
  };
}
