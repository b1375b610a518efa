import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { ResponseStore, StoredResponse } from "../response-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS responses (
  id TEXT PRIMARY KEY,
  key_name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  conversation TEXT NOT NULL,
  response TEXT NOT NULL
);
`;

interface ResponseRow {
  id: string;
  key_name: string;
  created_at: number;
  conversation: string;
  response: string;
}

/**
 * The embedded response store: a `responses` table, by default in the usage
 * ledger's SQLite file beside the key store (WAL mode lets the connections
 * share it). It runs on the event loop: one prepared statement per call, and
 * `synchronous = NORMAL`, so a commit in WAL mode costs no fsync (a power
 * cut may lose the last responses, never corrupt the file).
 */
export class SqliteResponseStore implements ResponseStore {
  readonly #db: DatabaseSync;
  readonly #put: StatementSync;
  readonly #get: StatementSync;
  readonly #delete: StatementSync;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA busy_timeout = 5000;");
    if (path !== ":memory:") this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.#db.exec(SCHEMA);
    this.#put = this.#db.prepare(
      "INSERT OR REPLACE INTO responses (id, key_name, created_at, conversation, response) VALUES (?, ?, ?, ?, ?)",
    );
    this.#get = this.#db.prepare(
      "SELECT id, key_name, created_at, conversation, response FROM responses WHERE id = ?",
    );
    this.#delete = this.#db.prepare("DELETE FROM responses WHERE id = ?");
  }

  async put(r: StoredResponse): Promise<void> {
    this.#put.run(r.id, r.keyName, r.createdAt, r.conversation, r.response);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const row = this.#get.get(id) as ResponseRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  async delete(id: string): Promise<boolean> {
    return Number(this.#delete.run(id).changes) > 0;
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

function fromRow(row: ResponseRow): StoredResponse {
  return {
    id: row.id,
    keyName: row.key_name,
    createdAt: row.created_at,
    conversation: row.conversation,
    response: row.response,
  };
}
