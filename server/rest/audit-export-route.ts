import { once } from "node:events";
import { auditLine } from "../core/audit-log.ts";
import type { GatewayServices } from "../core/services.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type { AnyResponse } from "../http/cors.ts";
import type { AnyRequest } from "../http/read-body.ts";
import type { AuditRecord } from "../state/audit-sink.ts";
import { openAIErrorBody } from "./openai/openai-error.ts";
import { sendError } from "./respond.ts";
import { restCredential } from "./rest-call.ts";
import { time } from "./usage-route.ts";

/**
 * `GET /v1/audit/export?start=&end=&key=&model=&status=&guard_rule=&q=`: the
 * matching audit records, oldest first, as `application/x-ndjson` (one JSON
 * object per line), for `curl … | jq`. Admin keys only. A failure before the
 * first line is an ordinary error response; after it, the connection is
 * closed without the final chunk, so the client sees a truncated export
 * rather than a short one that looks complete.
 */
export async function auditExportRoute(
  services: GatewayServices,
  url: URL,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  let records: AsyncIterator<AuditRecord>;
  let first: IteratorResult<AuditRecord>;
  try {
    const caller = services.auth.authenticate(restCredential(req), requestId);
    if (services.audit === undefined) throw new GatewayError("not_found", "the audit log is off");
    const params = url.searchParams;
    records = services.audit
      .export(caller, {
        startMs: time(params.get("start"), "start"),
        endMs: time(params.get("end"), "end"),
        key: params.get("key") ?? "",
        model: params.get("model") ?? "",
        status: params.get("status") ?? "",
        guardRule: params.get("guard_rule") ?? "",
        text: params.get("q") ?? "",
      })
      [Symbol.asyncIterator]();
    first = await records.next();
  } catch (error) {
    sendError(res, error, openAIErrorBody);
    return;
  }
  res.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" });
  try {
    for (let next = first; !next.done; next = await records.next()) {
      if (res.destroyed) break;
      if (!res.write(`${auditLine(next.value)}\n`))
        await Promise.race([once(res, "drain"), once(res, "close")]);
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    await records.return?.();
  }
}
