import type { GatewayServices } from "../core/services.ts";
import { invalidRequest } from "../errors/gateway-error.ts";
import type { AnyResponse } from "../http/cors.ts";
import type { AnyRequest } from "../http/read-body.ts";
import { openAIErrorBody } from "./openai/openai-error.ts";
import { sendError, sendJson } from "./respond.ts";
import { restCredential } from "./rest-call.ts";

/**
 * `GET /v1/usage?start=ISO&end=ISO&key=&team=&provider=&model=`: ledger
 * totals per key, team, provider, model and UTC day, from the same query service as
 * `UsageService.GetUsage`.
 */
export async function usageRoute(
  services: GatewayServices,
  url: URL,
  requestId: string,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  try {
    const caller = services.auth.authenticate(restCredential(req), requestId);
    const params = url.searchParams;
    const report = await services.usage.query(caller, {
      startMs: time(params.get("start"), "start"),
      endMs: time(params.get("end"), "end"),
      key: params.get("key") ?? "",
      team: params.get("team") ?? "",
      provider: params.get("provider") ?? "",
      model: params.get("model") ?? "",
    });
    sendJson(
      res,
      200,
      JSON.stringify({
        object: "list",
        start: new Date(report.startMs).toISOString(),
        end: new Date(report.endMs).toISOString(),
        data: report.rows.map((row) => ({
          day: row.day,
          key: row.key,
          team: row.team,
          provider: row.provider,
          model: row.model,
          requests: row.requests,
          errors: row.errors,
          prompt_tokens: row.promptTokens,
          completion_tokens: row.completionTokens,
          cost_usd: row.costUsd,
          avg_latency_ms: row.avgLatencyMs,
        })),
      }),
    );
  } catch (error) {
    sendError(res, error, openAIErrorBody);
  }
}

/** An ISO 8601 time or Unix seconds; unset when absent. */
export function time(value: string | null, param: string): number | undefined {
  if (value === null || value === "") return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms)) throw invalidRequest(`${param} must be an ISO 8601 time or Unix seconds`, param);
  return ms;
}
