import type { TestGateway } from "./start-gateway.ts";

/**
 * The per-deployment series of a running gateway's `GET /metrics` (queue depth, breaker state, breaker
 * transitions), read as an operator's scraper reads them, so that the routing tests assert what is
 * exposed rather than the gateway's internals.
 */

/** The breaker state gauge's values (server/telemetry/deployment-metrics.ts). */
export const BREAKER = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * The value of the series `name` whose labels include every one of `labels`, from one scrape; undefined
 * when no series matches (a counter not yet incremented).
 */
export async function metricValue(
  gw: TestGateway,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<number | undefined> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([label, value]) => `${label}=${JSON.stringify(value)}`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf("}");
    const set = line.slice(name.length + 1, close).split(",");
    if (wanted.every((pair) => set.includes(pair))) return Number(line.slice(close + 1).trim());
  }
  return undefined;
}

/** A deployment's queue depth now. */
export function queueDepth(gw: TestGateway, deployment: string): Promise<number | undefined> {
  return metricValue(gw, "llmgw_deployment_queue_depth", { deployment });
}

/** A deployment's breaker state gauge now: 0 closed, 1 half-open, 2 open. */
export function breakerState(gw: TestGateway, deployment: string): Promise<number | undefined> {
  return metricValue(gw, "llmgw_deployment_breaker_state", { deployment });
}

/** How many times a deployment's breaker has entered `state` (0 when never). */
export async function breakerTransitions(
  gw: TestGateway,
  deployment: string,
  state: keyof typeof BREAKER,
): Promise<number> {
  return (await metricValue(gw, "llmgw_breaker_transitions_total", { deployment, state })) ?? 0;
}
