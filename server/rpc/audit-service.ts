import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type AuditFilter as AuditFilterMessage,
  type AuditRecord as AuditRecordMessage,
  AuditRecordSchema,
  type AuditService,
} from "../../gen/llmgw/v1/audit_pb.js";
import { AuditLog, auditLine } from "../core/audit-log.ts";
import type { KeyInfo } from "../core/call.ts";
import type { GatewayServices } from "../core/services.ts";
import type { AuditFilter, AuditRecord } from "../state/audit-sink.ts";
import { toConnectError } from "./connect-error.ts";
import { rpcCredential } from "./rpc-call.ts";

/** AuditService: the audit log, read by admin keys (core/audit-log.ts does the checking). */
export function auditService(services: GatewayServices): ServiceImpl<typeof AuditService> {
  const caller = (ctx: HandlerContext): KeyInfo =>
    services.auth.authenticate(rpcCredential(ctx), ctx.responseHeader.get("x-request-id") ?? "");
  const log = services.audit ?? new AuditLog(undefined);
  return {
    async queryAudit(req, ctx) {
      try {
        const page = await log.query(caller(ctx), filterOf(req.filter), {
          pageSize: req.pageSize,
          pageToken: req.pageToken,
        });
        return { records: page.records.map(recordMessage), nextPageToken: page.nextPageToken };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async getAuditRecord(req, ctx) {
      try {
        return { record: recordMessage(await log.get(caller(ctx), req.id)) };
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
    async *exportAudit(req, ctx) {
      let records: AsyncIterable<AuditRecord>;
      try {
        records = log.export(caller(ctx), filterOf(req.filter));
      } catch (error) {
        throw toConnectError(error, ctx);
      }
      try {
        for await (const record of records) {
          if (ctx.signal.aborted) return;
          yield { line: auditLine(record) };
        }
      } catch (error) {
        throw toConnectError(error, ctx);
      }
    },
  };
}

function filterOf(filter: AuditFilterMessage | undefined): AuditFilter {
  if (filter === undefined) return {};
  return {
    startMs: filter.start === undefined ? undefined : Number(timestampMs(filter.start)),
    endMs: filter.end === undefined ? undefined : Number(timestampMs(filter.end)),
    key: filter.key,
    model: filter.model,
    status: filter.status,
    guardRule: filter.guardRule,
    text: filter.text,
  };
}

function recordMessage(r: AuditRecord): AuditRecordMessage {
  return create(AuditRecordSchema, {
    ...r,
    at: timestampFromMs(r.at),
    promptTokens: BigInt(r.promptTokens),
    completionTokens: BigInt(r.completionTokens),
    toolsOffered: [...r.toolsOffered],
    toolCalls: [...r.toolCalls],
  });
}
