import type { Deployment } from "../deployment.ts";

/**
 * Measured quality for the virtual models' scores (the benchmark suite's
 * results, with `routing.benchmark_quality`). Read once per pool deployment
 * per routed call while the option is on; never read when it is off.
 */
export interface QualityFeed {
  /** The deployment's measured quality, 0 to 1; undefined when nothing measured it. */
  measured(d: Deployment): number | undefined;
}

/** Where a deployment's quality figure came from, as ExplainRoute reports it. */
export type QualitySource = "benchmark" | "config" | "default";

/** The source of the quality a deployment is scored with: measured, configured, or the default. */
export function qualitySource(d: Deployment, feed: QualityFeed | undefined): QualitySource {
  if (feed?.measured(d) !== undefined) return "benchmark";
  return d.quality === undefined ? "default" : "config";
}
