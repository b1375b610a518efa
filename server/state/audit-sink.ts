/** How much of an exchange the audit log keeps. */
export type AuditMode = "full" | "redact-pii" | "metadata-only" | "off";

/** One exchange, as the audit log keeps it: who asked what, of which model, and what came back. */
export interface AuditRecord {
  /** Unique per record (the gateway's request id is not: a caller may send its own twice). */
  readonly id: string;
  /** Wall-clock ms when the call ended. */
  readonly at: number;
  readonly requestId: string;
  readonly surface: string;
  /** The key's name; "" when the call was refused before it authenticated. */
  readonly key: string;
  readonly team: string;
  readonly model: string;
  readonly provider: string;
  /** `ok`, or the error code the caller got. */
  readonly status: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number | undefined;
  readonly latencyMs: number;
  /** The mode the record was stored in (after per-key overrides and the caller's header). */
  readonly mode: AuditMode;
  /** The canonical request as JSON (or a pass-through body as sent); "" when payloads are not kept. */
  readonly request: string;
  /** The answer as JSON (a stream assembled into one); "" when payloads are not kept or none came. */
  readonly response: string;
  /** Names of the tools the request offered. */
  readonly toolsOffered: readonly string[];
  /** Names of the tools the answer called. */
  readonly toolCalls: readonly string[];
  readonly hasSystemPrompt: boolean;
  /** sha256 (hex) of the request as received, before any masking; "" when there was none. */
  readonly requestHash: string;
  /** The guard verdicts as JSON (an array of {rule, action}); "" when no guard ran. */
  readonly guard: string;
}

/** Which records to read back. Empty strings and absent fields do not filter. */
export interface AuditFilter {
  /** Inclusive, wall-clock ms. */
  readonly startMs?: number;
  /** Exclusive, wall-clock ms. */
  readonly endMs?: number;
  readonly key?: string;
  readonly model?: string;
  readonly status?: string;
  /** Records whose guard verdicts name this rule. */
  readonly guardRule?: string;
  /** A case-insensitive substring of the request or response payload. */
  readonly text?: string;
}

/** One page: newest first. */
export interface AuditPage {
  readonly pageSize: number;
  /** The `nextPageToken` of the previous page; "" or absent for the first. */
  readonly pageToken?: string;
}

export interface AuditPageResult {
  readonly records: AuditRecord[];
  /** "" when this was the last page. */
  readonly nextPageToken: string;
}

/**
 * The audit log's port (SQLite embedded, PostgreSQL distributed). `record`
 * is on the request path of every audited call, so it only queues: writes
 * are batched off the request path, and a failed write goes to the backend's
 * error reporter, never to the caller. Reads see every record queued before
 * them. `close` flushes, so a graceful shutdown loses nothing.
 */
export interface AuditSink {
  /** Queues one record; never blocks, never throws. */
  record(entry: AuditRecord): void;
  /** ms the oldest record not yet written has waited (queued, being written or held for a retry); 0 when none waits. */
  lagMs(): number;
  /** Newest first, `page.pageSize` at a time, by an (at, id) cursor. */
  query(filter: AuditFilter, page: AuditPage): Promise<AuditPageResult>;
  get(id: string): Promise<AuditRecord | undefined>;
  /** Every matching record, oldest first. */
  export(filter: AuditFilter): AsyncIterable<AuditRecord>;
  /** Deletes records older than `olderThanMs` ago, returns how many. */
  prune(olderThanMs: number): Promise<number>;
  /** Deletes the oldest records beyond `maxRows`, returns how many. */
  cap(maxRows: number): Promise<number>;
  /** Flushes what is queued and closes. */
  close(): Promise<void>;
}

/** Most records a page may hold, whatever the caller asks. */
export const MAX_PAGE_SIZE = 500;

/** A cursor: the (at, id) of the last record of a page, opaque to callers. */
export function encodeCursor(record: Pick<AuditRecord, "at" | "id">): string {
  return Buffer.from(`${record.at}:${record.id}`).toString("base64url");
}

/** The (at, id) of a page token; undefined for the first page; throws on a token it did not make. */
export function decodeCursor(token: string | undefined): { at: number; id: string } | undefined {
  if (!token) return undefined;
  const text = Buffer.from(token, "base64url").toString();
  const colon = text.indexOf(":");
  const at = Number(text.slice(0, colon));
  if (colon < 1 || !Number.isSafeInteger(at))
    throw new RangeError("page_token is not one this gateway issued");
  return { at, id: text.slice(colon + 1) };
}

/** A page size within 1..MAX_PAGE_SIZE (0 or absent: 50). */
export function pageSizeOf(size: number): number {
  if (!Number.isFinite(size) || size <= 0) return 50;
  return Math.min(Math.floor(size), MAX_PAGE_SIZE);
}
