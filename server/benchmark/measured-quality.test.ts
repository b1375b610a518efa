import { describe, expect, it } from "vitest";
import type { Deployment } from "../routing/deployment.ts";
import { benchmarkResult, benchmarkRun } from "../state/benchmark-store-contract.ts";
import { SqliteBenchmarkStore } from "../state/sqlite/sqlite-benchmark-store.ts";
import { accuracyByUpstream, MeasuredQuality } from "./measured-quality.ts";

const deployment = (provider: string, model: string) => ({ provider, model }) as Deployment;

describe("measured quality", () => {
  it("averages a run's answered results per provider and upstream model", () => {
    const found = accuracyByUpstream([
      benchmarkResult({ taskId: "a", provider: "p", upstreamModel: "m", score: 1 }),
      benchmarkResult({ taskId: "b", provider: "p", upstreamModel: "m", score: 0.5 }),
      benchmarkResult({
        taskId: "c",
        provider: "p",
        upstreamModel: "m",
        score: 0,
        error: "upstream_timeout: x",
      }),
      benchmarkResult({ taskId: "d", provider: "", upstreamModel: "", score: 0, error: "rate_limited: x" }),
    ]);
    expect([...found]).toEqual([["p", new Map([["m", 0.75]])]]);
  });

  it("takes each model's latest succeeded run, and knows nothing of unmeasured ones", async () => {
    const store = new SqliteBenchmarkStore(":memory:");
    try {
      await store.saveRun(benchmarkRun({ id: "old", state: "succeeded", createdAt: 1 }));
      await store.addResult(benchmarkResult({ runId: "old", provider: "p", upstreamModel: "m", score: 0.2 }));
      await store.addResult(benchmarkResult({ runId: "old", provider: "p", upstreamModel: "n", score: 0.4 }));
      await store.saveRun(benchmarkRun({ id: "new", state: "succeeded", createdAt: 2 }));
      await store.addResult(benchmarkResult({ runId: "new", provider: "p", upstreamModel: "m", score: 0.9 }));
      await store.saveRun(benchmarkRun({ id: "cut", state: "interrupted", createdAt: 3 }));
      await store.addResult(benchmarkResult({ runId: "cut", provider: "p", upstreamModel: "m", score: 0 }));
      const feed = new MeasuredQuality(store);
      expect(feed.measured(deployment("p", "m"))).toBeUndefined();
      await feed.refresh();
      expect(feed.measured(deployment("p", "m"))).toBe(0.9);
      expect(feed.measured(deployment("p", "n"))).toBe(0.4);
      expect(feed.measured(deployment("q", "m"))).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
