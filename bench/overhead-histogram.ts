/**
 * The gateway's own overhead histogram (`llmgw_gateway_overhead_seconds`,
 * unary series), read from its /metrics before and after a phase: the
 * difference holds exactly the phase's requests, whose percentiles are
 * estimated as Prometheus's histogram_quantile does (linear within a bucket).
 */

/** Cumulative bucket counts by upper bound (seconds), summed over surfaces. */
export type Buckets = Map<number, number>;

const LINE = /^llmgw_gateway_overhead_seconds_bucket\{([^}]*)\} (\S+)$/;

export async function scrapeOverhead(gatewayUrl: string): Promise<Buckets> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const buckets: Buckets = new Map();
  for (const line of text.split("\n")) {
    const match = LINE.exec(line);
    if (match === null || !(match[1] as string).includes('mode="unary"')) continue;
    const le = /le="([^"]+)"/.exec(match[1] as string)?.[1] as string;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** The phase's observations: `after` less `before`, bucket by bucket. */
export function difference(before: Buckets, after: Buckets): Buckets {
  const out: Buckets = new Map();
  for (const [bound, count] of after) out.set(bound, count - (before.get(bound) ?? 0));
  return out;
}

/** The q-quantile in ms, interpolated within its bucket; NaN when there is no observation. */
export function quantileMs(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound) as number;
    if (count >= rank) {
      // Above the last finite bound, Prometheus answers that bound.
      if (bound === Number.POSITIVE_INFINITY) return lower * 1000;
      return (lower + ((bound - lower) * (rank - below)) / Math.max(count - below, 1)) * 1000;
    }
    lower = bound;
    below = count;
  }
  return lower * 1000;
}

/** Observations in the buckets. */
export function countOf(buckets: Buckets): number {
  return buckets.get(Number.POSITIVE_INFINITY) ?? 0;
}

/** The histogram's percentiles beside the bench's outside measurement of the same phase. */
export interface OverheadComparison {
  readonly requests: number;
  readonly histogramP50Ms: number;
  readonly histogramP99Ms: number;
  /** The gateway's latency less the floor proxy's, at the same rate: what the gateway adds. */
  readonly outsideP50Ms: number;
  readonly outsideP99Ms: number;
  readonly agreeP50: boolean;
  readonly agreeP99: boolean;
}

/**
 * The stated tolerance. The two figures cannot be equal: the histogram
 * starts once the surface has the request and ends when the pipeline hands
 * back the answer (HTTP parsing, rendering and the socket writes are
 * outside it), and a difference of two percentiles is not the percentile of
 * a difference. p50 must agree within 0.5 ms; p99 within 2 ms or half the
 * outside figure, whichever is larger (the tail is GC and scheduling, which
 * land on either side of the histogram's clocks).
 */
export const TOLERANCE = "p50 within 0.5 ms; p99 within max(2 ms, 50 % of the outside figure)";

export function compare(
  buckets: Buckets,
  gateway: { rateP50Ms: number; rateP99Ms: number },
  floor: { rateP50Ms: number; rateP99Ms: number },
): OverheadComparison {
  const histogramP50Ms = quantileMs(buckets, 0.5);
  const histogramP99Ms = quantileMs(buckets, 0.99);
  const outsideP50Ms = gateway.rateP50Ms - floor.rateP50Ms;
  const outsideP99Ms = gateway.rateP99Ms - floor.rateP99Ms;
  return {
    requests: countOf(buckets),
    histogramP50Ms,
    histogramP99Ms,
    outsideP50Ms,
    outsideP99Ms,
    agreeP50: Math.abs(histogramP50Ms - outsideP50Ms) <= 0.5,
    agreeP99: Math.abs(histogramP99Ms - outsideP99Ms) <= Math.max(2, 0.5 * Math.abs(outsideP99Ms)),
  };
}

/** The comparison as a markdown section (also printed to the console). */
export function overheadSection(c: OverheadComparison, rate: number): string {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : "n/a");
  const yes = (ok: boolean) => (ok ? "agree" : "DISAGREE");
  return [
    `## The gateway's own overhead histogram at ${rate} req/s`,
    "",
    `\`llmgw_gateway_overhead_seconds{mode="unary"}\`, scraped before and after the fixed-rate phase (${c.requests} requests), beside the bench's outside measurement (gateway latency less the floor proxy's). Tolerance: ${TOLERANCE}.`,
    "",
    "| | histogram (ms) | outside (ms) | |",
    "| --- | ---: | ---: | --- |",
    `| p50 | ${f(c.histogramP50Ms)} | ${f(c.outsideP50Ms)} | ${yes(c.agreeP50)} |`,
    `| p99 | ${f(c.histogramP99Ms)} | ${f(c.outsideP99Ms)} | ${yes(c.agreeP99)} |`,
    "",
  ].join("\n");
}
