import { type AuditFilter, type AuditMode, type AuditRecord, encodeCursor } from "./audit-sink.ts";

/*
 * The audit table's columns and the SQL both backends share (SQLite and
 * PostgreSQL differ only in placeholders and in LIKE against ILIKE).
 * @private
 */

/** The columns, in insert order. */
export const AUDIT_COLUMNS = [
  "id",
  "at",
  "request_id",
  "surface",
  "key",
  "team",
  "model",
  "provider",
  "status",
  "prompt_tokens",
  "completion_tokens",
  "cost_usd",
  "latency_ms",
  "mode",
  "request",
  "response",
  "tools_offered",
  "tool_calls",
  "has_system_prompt",
  "request_hash",
  "guard",
] as const;

export type AuditCell = string | number | null;

/** A record as one row of cells, in `AUDIT_COLUMNS` order (lists as JSON, the flag as 0/1). */
export function toRow(r: AuditRecord): AuditCell[] {
  return [
    r.id,
    r.at,
    r.requestId,
    r.surface,
    r.key,
    r.team,
    r.model,
    r.provider,
    r.status,
    r.promptTokens,
    r.completionTokens,
    r.costUsd ?? null,
    r.latencyMs,
    r.mode,
    r.request,
    r.response,
    JSON.stringify(r.toolsOffered),
    JSON.stringify(r.toolCalls),
    r.hasSystemPrompt ? 1 : 0,
    r.requestHash,
    r.guard,
  ];
}

/** A row as read back (column names as in `AUDIT_COLUMNS`). */
export function fromRow(row: Record<string, unknown>): AuditRecord {
  return {
    id: String(row.id),
    at: Number(row.at),
    requestId: String(row.request_id),
    surface: String(row.surface),
    key: String(row.key),
    team: String(row.team),
    model: String(row.model),
    provider: String(row.provider),
    status: String(row.status),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    costUsd: row.cost_usd === null || row.cost_usd === undefined ? undefined : Number(row.cost_usd),
    latencyMs: Number(row.latency_ms),
    mode: String(row.mode) as AuditMode,
    request: String(row.request),
    response: String(row.response),
    toolsOffered: JSON.parse(String(row.tools_offered)) as string[],
    toolCalls: JSON.parse(String(row.tool_calls)) as string[],
    hasSystemPrompt: Number(row.has_system_prompt) === 1 || row.has_system_prompt === true,
    requestHash: String(row.request_hash),
    guard: String(row.guard),
  };
}

/** A LIKE pattern matching `text` anywhere, with its own `%`, `_` and `\` taken literally (ESCAPE '\'). */
function contains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Where a cursor page starts: after (at, id) in the direction of the order. */
export interface Cursor {
  readonly at: number;
  readonly id: string;
  /** Newest first (a query page) or oldest first (an export). */
  readonly descending: boolean;
}

/**
 * The WHERE clause of a filter (and a cursor), with its parameters.
 * `placeholder(n)` spells the n-th parameter (1-based); `like` is the
 * backend's case-insensitive LIKE.
 */
export function auditWhere(
  filter: AuditFilter,
  cursor: Cursor | undefined,
  placeholder: (n: number) => string,
  like: "LIKE" | "ILIKE",
): { sql: string; params: AuditCell[] } {
  const where: string[] = [];
  const params: AuditCell[] = [];
  const p = (value: AuditCell) => {
    params.push(value);
    return placeholder(params.length);
  };
  if (filter.startMs !== undefined) where.push(`at >= ${p(filter.startMs)}`);
  if (filter.endMs !== undefined) where.push(`at < ${p(filter.endMs)}`);
  for (const [column, value] of [
    ["key", filter.key],
    ["model", filter.model],
    ["status", filter.status],
  ] as const) {
    if (value) where.push(`${column} = ${p(value)}`);
  }
  if (filter.guardRule)
    where.push(`guard ${like} ${p(contains(`"rule":${JSON.stringify(filter.guardRule)}`))} ESCAPE '\\'`);
  if (filter.text) {
    const pattern = contains(filter.text);
    where.push(`(request ${like} ${p(pattern)} ESCAPE '\\' OR response ${like} ${p(pattern)} ESCAPE '\\')`);
  }
  if (cursor !== undefined) {
    const op = cursor.descending ? "<" : ">";
    where.push(`(at ${op} ${p(cursor.at)} OR (at = ${p(cursor.at)} AND id ${op} ${p(cursor.id)}))`);
  }
  return { sql: where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`, params };
}

/** Rows read per round while exporting. */
const EXPORT_CHUNK = 500;

/** One page from `pageSize + 1` rows read: the extra row only says that another page follows. */
export function pageFrom(
  rows: AuditRecord[],
  pageSize: number,
): { records: AuditRecord[]; nextPageToken: string } {
  const records = rows.slice(0, pageSize);
  const last = records[records.length - 1];
  return { records, nextPageToken: rows.length > pageSize && last !== undefined ? encodeCursor(last) : "" };
}

/** Every row `select` finds, oldest first, read `EXPORT_CHUNK` at a time by an (at, id) cursor. */
export async function* exportByCursor(
  select: (cursor: Cursor | undefined, limit: number) => AuditRecord[] | Promise<AuditRecord[]>,
): AsyncIterable<AuditRecord> {
  let cursor: Cursor | undefined;
  for (;;) {
    const rows = await select(cursor, EXPORT_CHUNK);
    yield* rows;
    const last = rows[rows.length - 1];
    if (rows.length < EXPORT_CHUNK || last === undefined) return;
    cursor = { at: last.at, id: last.id, descending: false };
  }
}
