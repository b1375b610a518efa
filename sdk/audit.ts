import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { CallOptions } from "@connectrpc/connect";
import type { AuditFilterSchema, AuditRecord } from "../gen/llmgw/v1/audit_pb.js";
import type { LlmgwClient } from "./client.ts";
import { cancelOnExit } from "./streams.ts";

/** What the audit helpers need of a client. */
export type AuditClient = Pick<LlmgwClient, "audit">;

/** Which records to read; every field is optional. */
export interface AuditQuery {
  readonly start?: Date;
  readonly end?: Date;
  readonly key?: string;
  readonly model?: string;
  /** "ok" or an error code such as "rate_limited". */
  readonly status?: string;
  /** Records whose guard verdicts name this rule. */
  readonly guardRule?: string;
  /** A case-insensitive substring of the stored payloads. */
  readonly text?: string;
}

/** One audit record in plain terms: the payloads parsed, times as Dates. */
export interface AuditEntry
  extends Omit<AuditRecord, "at" | "$typeName" | "promptTokens" | "completionTokens"> {
  readonly at: Date;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

function filter(query: AuditQuery): MessageInitShape<typeof AuditFilterSchema> {
  return {
    start: query.start && timestampFromDate(query.start),
    end: query.end && timestampFromDate(query.end),
    key: query.key ?? "",
    model: query.model ?? "",
    status: query.status ?? "",
    guardRule: query.guardRule ?? "",
    text: query.text ?? "",
  };
}

function entry(record: AuditRecord): AuditEntry {
  const { $typeName: _, at, promptTokens, completionTokens, ...rest } = record;
  return {
    ...rest,
    at: at === undefined ? new Date(0) : timestampDate(at),
    promptTokens: Number(promptTokens),
    completionTokens: Number(completionTokens),
  };
}

/**
 * One page of matching audit records, newest first. Admin keys only.
 *
 * @example
 * let page = await queryAudit(llmgw, { status: "rate_limited" });
 * while (page.nextPageToken) page = await queryAudit(llmgw, { status: "rate_limited" }, { pageToken: page.nextPageToken });
 */
export async function queryAudit(
  client: AuditClient,
  query: AuditQuery = {},
  page: { pageSize?: number; pageToken?: string } = {},
  call?: CallOptions,
): Promise<{ records: AuditEntry[]; nextPageToken: string }> {
  const response = await client.audit.queryAudit(
    { filter: filter(query), pageSize: page.pageSize ?? 0, pageToken: page.pageToken ?? "" },
    call,
  );
  return { records: response.records.map(entry), nextPageToken: response.nextPageToken };
}

/** One audit record by id. Admin keys only; NotFound when there is none. */
export async function getAuditRecord(
  client: AuditClient,
  id: string,
  call?: CallOptions,
): Promise<AuditEntry> {
  const { record } = await client.audit.getAuditRecord({ id }, call);
  if (record === undefined) throw new Error("the gateway answered without a record");
  return entry(record);
}

/**
 * Every matching record, oldest first, each as its JSONL line parsed into an
 * object (the gateway's own field names). Admin keys only. Stopping the
 * loop or aborting `call.signal` cancels the export.
 */
export async function* exportAudit(
  client: AuditClient,
  query: AuditQuery = {},
  call: CallOptions = {},
): AsyncIterable<Record<string, unknown>> {
  const lines = cancelOnExit(
    (signal) => client.audit.exportAudit({ filter: filter(query) }, { ...call, signal }),
    call.signal,
  );
  for await (const { line } of lines) {
    yield JSON.parse(line) as Record<string, unknown>;
  }
}
