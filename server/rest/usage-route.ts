import type { Gateway } from "../core/gateway.ts";
import { invalidRequest } from "../errors/gateway-error.ts";
import type { AnyResponse } from "../http/cors.ts";
import type { AnyRequest } from "../http/read-body.ts";
import { openAIErrorBody } from "./openai/openai-error.ts";
import { sendError, sendJson } from "./respond.ts";
import { restCredential } from "./rest-call.ts";

const DAY_MS = 86_400_000;

/**
 * `GET /v1/usage?start=ISO&end=ISO&key=&provider=&model=`: ledger totals per
 * key, provider, model and UTC day. The range defaults to the last 30 days.
 * Keys that are not admin keys see only their own rows.
 */
export async function usageRoute(
  gateway: Gateway,
  url: URL,
  req: AnyRequest,
  res: AnyResponse,
): Promise<void> {
  try {
    const keyName = gateway.authenticate(restCredential(req));
    const endMs = time(url.searchParams.get("end"), "end") ?? Date.now();
    const startMs = time(url.searchParams.get("start"), "start") ?? endMs - 30 * DAY_MS;
    const rows = await gateway.ledger.totals({
      startMs,
      endMs,
      key: gateway.usageKeyFilter(keyName, url.searchParams.get("key") ?? ""),
      provider: url.searchParams.get("provider") ?? "",
      model: url.searchParams.get("model") ?? "",
    });
    sendJson(
      res,
      200,
      JSON.stringify({
        object: "list",
        start: new Date(startMs).toISOString(),
        end: new Date(endMs).toISOString(),
        data: rows.map((row) => ({
          day: row.day,
          key: row.key,
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

function time(value: string | null, param: string): number | undefined {
  if (value === null || value === "") return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms)) throw invalidRequest(`${param} must be an ISO 8601 time or Unix seconds`, param);
  return ms;
}
