import { describe, expect, it } from "vitest";
import { adHocDeployment } from "../routing/ad-hoc-deployment.ts";
import type { Route } from "../routing/model-router.ts";
import type { Outcome } from "./end-hooks.ts";
import { LatencyWindow, percentile, WINDOW_MS } from "./latency-window.ts";

const served = (provider: string, model: string) =>
  adHocDeployment({ provider, model, pricing: undefined } as unknown as Route);

function outcome(provider: string, model: string, latencyMs: number, ttftMs = 0, failed = false): Outcome {
  return {
    status: failed ? "upstream_error" : "ok",
    error: failed ? (new Error("x") as never) : undefined,
    usage: undefined,
    served: served(provider, model),
    attempts: 1,
    latencyMs,
    ttftMs,
    costUsd: undefined,
  };
}

describe("the latency window", () => {
  it("gives nearest-rank percentiles per provider and model, sorted", () => {
    const window = new LatencyWindow();
    for (let ms = 1; ms <= 100; ms++) window.record(outcome("p2", "m", ms, ms % 2 === 0 ? ms / 2 : 0), 1_000);
    window.record(outcome("p1", "m", 7, 0, true), 1_000);
    const stats = window.stats(1_000);
    expect(stats.map((s) => s.provider)).toEqual(["p1", "p2"]);
    expect(stats[0]).toMatchObject({ requests: 1, errors: 1, p50Ms: 7, p99Ms: 7, ttftP50Ms: 0 });
    expect(stats[1]).toMatchObject({ requests: 100, errors: 0, p50Ms: 50, p90Ms: 90, p99Ms: 99 });
    // ttft of the 50 streamed requests: 1..50.
    expect(stats[1]).toMatchObject({ ttftP50Ms: 25, ttftP99Ms: 50 });
    expect(window.stats(1_000, "p1")).toHaveLength(1);
    expect(window.stats(1_000, "", "other")).toEqual([]);
  });

  it("forgets requests older than the window, and keeps only the latest 1,024 per series", () => {
    const window = new LatencyWindow();
    window.record(outcome("p", "m", 1_000), 0);
    for (let i = 0; i < 2_000; i++) window.record(outcome("p", "m", i < 1_500 ? 5 : 9), WINDOW_MS);
    const [stats] = window.stats(WINDOW_MS + 1);
    expect(stats?.requests).toBe(1_024);
    // The latest 1,024: 524 of 5 ms, then 500 of 9 ms; the old 1,000 ms one is gone.
    expect(stats).toMatchObject({ p50Ms: 5, p99Ms: 9 });
    expect(window.stats(WINDOW_MS * 3)).toEqual([]);
  });

  it("skips calls refused before any deployment, and has 0 for no values", () => {
    const window = new LatencyWindow();
    window.record({ ...outcome("p", "m", 1), served: undefined }, 0);
    expect(window.stats(0)).toEqual([]);
    expect(percentile([], 0.5)).toBe(0);
  });
});
