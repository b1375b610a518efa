import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { BudgetRule } from "../../config/budgets-schema.ts";
import type { LimitRule } from "../../config/limits-schema.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { applyKeyChanges, type KeyChanges, type KeyStore, type StoredKey } from "../key-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  name TEXT PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  owner TEXT NOT NULL,
  team TEXT NOT NULL,
  metadata TEXT NOT NULL,
  admin INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  enabled INTEGER NOT NULL,
  expires_at INTEGER,
  models TEXT,
  providers TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revoked_at INTEGER,
  limits TEXT,
  budgets TEXT
);
`;

/**
 * Columns added after the table's first version, with their declarations. A
 * row from before reads NULL: no rules of its own, the config's apply.
 */
const ADDED_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ["limits", "TEXT"],
  ["budgets", "TEXT"],
];

const COLUMNS =
  "name, digest, prefix, owner, team, metadata, admin, priority, enabled, expires_at, models, providers, created_at, updated_at, revoked_at, limits, budgets";

/** A row as SQLite returns it. */
interface KeyRow {
  name: string;
  digest: string;
  prefix: string;
  owner: string;
  team: string;
  metadata: string;
  admin: number;
  priority: number;
  enabled: number;
  expires_at: number | null;
  models: string | null;
  providers: string | null;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
  limits: string | null;
  budgets: string | null;
}

/**
 * The embedded key store: an `api_keys` table, by default in the usage
 * ledger's SQLite file (the ledger's worker owns its own table there; WAL
 * mode lets both connections work, a busy timeout waits out the other's
 * commit). It runs on the event loop, unlike the ledger, because only
 * admin calls and start-up reach it: requests read the in-process cache.
 * `:memory:` keeps nothing past the process.
 */
export class SqliteKeyStore implements KeyStore {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #byDigest: StatementSync;
  readonly #byName: StatementSync;
  readonly #all: StatementSync;
  readonly #replace: StatementSync;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA busy_timeout = 5000;");
    if (path !== ":memory:") this.#db.exec("PRAGMA journal_mode = WAL;");
    migrate(this.#db);
    this.#insert = this.#db.prepare(
      `INSERT INTO api_keys (${COLUMNS}) VALUES (${COLUMNS.replace(/\w+/g, (c) => `$${c}`)})`,
    );
    this.#byDigest = this.#db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE digest = ?`);
    this.#byName = this.#db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE name = ?`);
    this.#all = this.#db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY name`);
    this.#replace = this.#db.prepare(
      `UPDATE api_keys SET ${COLUMNS.replace(/\w+/g, (c) => `${c} = $${c}`)} WHERE name = $name`,
    );
  }

  async create(key: StoredKey): Promise<void> {
    try {
      this.#insert.run(toRow(key));
    } catch (error) {
      if (String((error as Error).message).includes("UNIQUE constraint failed: api_keys.name")) {
        throw invalidRequest(`a key named "${key.name}" exists already`, "name");
      }
      throw error;
    }
  }

  async get(digest: string): Promise<StoredKey | undefined> {
    const row = this.#byDigest.get(digest) as KeyRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  async list(): Promise<StoredKey[]> {
    return (this.#all.all() as unknown as KeyRow[]).map(fromRow);
  }

  async update(name: string, changes: KeyChanges, now: number): Promise<StoredKey | undefined> {
    return this.#change(name, (key) => applyKeyChanges(key, changes, now));
  }

  async revoke(name: string, now: number): Promise<StoredKey | undefined> {
    return this.#change(name, (key) =>
      key.revokedAt === undefined ? { ...key, revokedAt: now, updatedAt: now } : key,
    );
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  /** Reads, changes and writes one key in one transaction, so a change from another process is never lost. */
  #change(name: string, change: (key: StoredKey) => StoredKey): StoredKey | undefined {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const row = this.#byName.get(name) as KeyRow | undefined;
      if (row === undefined) {
        this.#db.exec("COMMIT");
        return undefined;
      }
      const key = change(fromRow(row));
      this.#replace.run(toRow(key));
      this.#db.exec("COMMIT");
      return key;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }
}

/**
 * Creates the table, or brings an older one up to date, in one write
 * transaction: two gateways opening the same old file at once do not both
 * add a column (the second waits on busy_timeout, then finds it there).
 */
function migrate(db: DatabaseSync): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(SCHEMA);
    const have = new Set(
      db
        .prepare("SELECT name FROM pragma_table_info('api_keys')")
        .all()
        .map((r) => r.name),
    );
    for (const [name, declaration] of ADDED_COLUMNS) {
      if (!have.has(name)) db.exec(`ALTER TABLE api_keys ADD COLUMN ${name} ${declaration}`);
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** The key as named parameters, one per column. */
function toRow(key: StoredKey): Record<string, SQLInputValue> {
  return {
    name: key.name,
    digest: key.digest,
    prefix: key.prefix,
    owner: key.owner,
    team: key.team,
    metadata: JSON.stringify(key.metadata),
    admin: key.admin ? 1 : 0,
    priority: key.priority,
    enabled: key.enabled ? 1 : 0,
    expires_at: key.expiresAt ?? null,
    models: key.models === undefined ? null : JSON.stringify(key.models),
    providers: key.providers === undefined ? null : JSON.stringify(key.providers),
    created_at: key.createdAt,
    updated_at: key.updatedAt,
    revoked_at: key.revokedAt ?? null,
    limits: key.limits === undefined ? null : JSON.stringify(key.limits),
    budgets: key.budgets === undefined ? null : JSON.stringify(key.budgets),
  };
}

function fromRow(row: KeyRow): StoredKey {
  return {
    name: row.name,
    digest: row.digest,
    prefix: row.prefix,
    owner: row.owner,
    team: row.team,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    admin: row.admin === 1,
    priority: row.priority,
    enabled: row.enabled === 1,
    expiresAt: row.expires_at ?? undefined,
    models: row.models === null ? undefined : (JSON.parse(row.models) as string[]),
    providers: row.providers === null ? undefined : (JSON.parse(row.providers) as string[]),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revokedAt: row.revoked_at ?? undefined,
    limits: row.limits === null ? undefined : (JSON.parse(row.limits) as LimitRule[]),
    budgets: row.budgets === null ? undefined : (JSON.parse(row.budgets) as BudgetRule[]),
  };
}
