import type { UsageTotals } from "../../server/state/ledger-sink.ts";
import type { TestGateway } from "./start-gateway.ts";

/**
 * What a test reads back from a running gateway: its ledger rows and its request counters, through the
 * same services and routes an operator uses.
 */

/** The last minute's ledger rows for a provider and model, as an admin sees them. */
export async function ledgerRows(gw: TestGateway, provider: string, model: string): Promise<UsageTotals[]> {
  const { rows } = await gw.running.services.usage.query(
    { name: "", admin: true },
    { startMs: Date.now() - 60_000, endMs: Date.now() + 60_000, key: "", provider, model },
  );
  return rows;
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
