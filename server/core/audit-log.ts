import { GatewayError, invalidRequest } from "../errors/gateway-error.ts";
import type { AuditFilter, AuditPage, AuditPageResult, AuditRecord, AuditSink } from "../state/audit-sink.ts";
import type { KeyInfo } from "./call.ts";

/**
 * The audit log as the surfaces read it (AuditService and
 * `GET /v1/audit/export`): one implementation, admin keys only, so both give
 * the same answer and the same refusal. When audit is off, every read says so.
 */
export class AuditLog {
  readonly #sink: AuditSink | undefined;

  constructor(sink: AuditSink | undefined) {
    this.#sink = sink;
  }

  async query(caller: KeyInfo, filter: AuditFilter, page: AuditPage): Promise<AuditPageResult> {
    const sink = this.#open(caller, filter);
    try {
      return await sink.query(filter, page);
    } catch (error) {
      if (error instanceof RangeError) throw invalidRequest(error.message, "page_token");
      throw unreadable(error);
    }
  }

  async get(caller: KeyInfo, id: string): Promise<AuditRecord> {
    const sink = this.#open(caller, {});
    if (id === "") throw invalidRequest("id is required", "id");
    let record: AuditRecord | undefined;
    try {
      record = await sink.get(id);
    } catch (error) {
      throw unreadable(error);
    }
    if (record === undefined) throw new GatewayError("not_found", `no audit record has the id "${id}"`);
    return record;
  }

  /** Every matching record, oldest first; the caller is checked before the first one is read. */
  export(caller: KeyInfo, filter: AuditFilter): AsyncIterable<AuditRecord> {
    return this.#open(caller, filter).export(filter);
  }

  #open(caller: KeyInfo, filter: AuditFilter): AuditSink {
    if (!caller.admin) throw new GatewayError("permission_denied", "only admin keys may read the audit log");
    if (this.#sink === undefined)
      throw new GatewayError("not_found", "the audit log is off: set `audit.enabled: true` in the config");
    if (filter.startMs !== undefined && filter.endMs !== undefined && filter.startMs > filter.endMs)
      throw invalidRequest("start must not be after end", "start");
    return this.#sink;
  }
}

/** One record as a line of the JSONL export (no newline). */
export function auditLine(record: AuditRecord): string {
  return JSON.stringify(record);
}

function unreadable(error: unknown): GatewayError {
  return new GatewayError("unavailable", `the audit log cannot be read: ${(error as Error).message}`);
}
