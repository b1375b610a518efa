import { DatabaseSync } from "node:sqlite";
import type { UsageRecord, UsageTotals } from "../../server/state/ledger-sink.ts";
import type { TestGateway } from "./start-gateway.ts";

/**
 * What a test reads back from a running gateway: its ledger rows and its request counters, through the
 * same services and routes an operator uses.
 */

/** The last minute's ledger rows for a provider and model, as an admin sees them. */
export async function ledgerRows(gw: TestGateway, provider: string, model: string): Promise<UsageTotals[]> {
  const { rows } = await gw.running.services.usage.query(
    { name: "", admin: true, priority: 0, team: "" },
    { startMs: Date.now() - 60_000, endMs: Date.now() + 60_000, key: "", provider, model },
  );
  return rows;
}

/**
 * Every ledger row the gateway has recorded so far, one per request in the order they ended, optionally
 * only those of one provider and model: what a test asserts a request's status, attempts and serving
 * deployment on. A usage query first makes the gateway flush its queued rows (its ledger writes them in
 * order before answering), then the file is read directly, since the usage API only gives totals.
 */
export async function ledgerEntries(
  gw: TestGateway,
  filter: { readonly provider?: string; readonly model?: string } = {},
): Promise<UsageRecord[]> {
  await ledgerRows(gw, "", "");
  const db = new DatabaseSync(gw.ledgerPath, { readOnly: true });
  try {
    const rows = db
      .prepare(
        `SELECT at, request_id AS requestId, key, surface, provider, model, status,
                prompt_tokens AS promptTokens, completion_tokens AS completionTokens,
                cached_tokens AS cachedTokens, reasoning_tokens AS reasoningTokens, estimated,
                latency_ms AS latencyMs, ttft_ms AS ttftMs, cost_usd AS costUsd, attempts, deployment
           FROM usage WHERE (? = '' OR provider = ?) AND (? = '' OR model = ?) ORDER BY rowid`,
      )
      .all(filter.provider ?? "", filter.provider ?? "", filter.model ?? "", filter.model ?? "");
    return rows.map((row) => ({
      ...(row as unknown as UsageRecord),
      estimated: row.estimated === 1,
      costUsd: row.costUsd === null ? undefined : (row.costUsd as number),
    }));
  } finally {
    db.close();
  }
}

/** `llmgw_requests_total` summed over the series of one surface and status, from `GET /metrics`. */
export async function requestCount(gw: TestGateway, surface: string, status: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (
      line.startsWith(`llmgw_requests_total{surface="${surface}",`) &&
      line.includes(`status="${status}"`)
    ) {
      total += Number(line.split(" ").at(-1));
    }
  }
  return total;
}
