import type { Deployment } from "../deployment.ts";
import type { RouteRequest } from "../route-request.ts";
import { LAST, MEASURED, rankedStrategy } from "./ranked.ts";

/**
 * The estimated price of this request on a deployment, USD: the prompt
 * estimate at the input price plus `max_tokens` (or DEFAULT_OUTPUT_TOKENS)
 * at the output price. A local deployment with no price costs nothing; a
 * remote one with no price is undefined, since nobody knows what it costs.
 */
export function estimateCostUsd(d: Deployment, request: RouteRequest): number | undefined {
  const pricing = d.pricing;
  if (pricing === undefined) return d.local ? 0 : undefined;
  return (request.promptTokens * pricing.input + request.outputTokens * pricing.output) / 1_000_000;
}

/** Cheapest estimated cost first; unpriced remote deployments after every priced one; ties at random. */
export const cost = rankedStrategy({
  name: "cost",
  rank: (d, request) => (estimateCostUsd(d, request) === undefined ? LAST : MEASURED),
  value: (d, request) => estimateCostUsd(d, request) ?? 0,
  randomTies: true,
  scoreOffset: 0,
  tieShare: 0,
});
