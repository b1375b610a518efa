import { afterEach, describe, expect, it } from "vitest";
import type { BenchmarkResultRecord, BenchmarkRunRecord, BenchmarkStore } from "./benchmark-store.ts";

const T0 = Date.UTC(2026, 11, 1, 12);

/** A run with every field set; tests override what they look at. */
export function benchmarkRun(over: Partial<BenchmarkRunRecord> = {}): BenchmarkRunRecord {
  return {
    id: "run_0001",
    state: "running",
    models: ["mock-a", "mock-b"],
    taskIds: ["knowledge-physics", "code-fizzbuzz"],
    concurrency: 4,
    total: 4,
    completed: 1,
    failed: 0,
    createdAt: T0,
    endedAt: 0,
    error: "",
    keyName: "admin",
    ...over,
  };
}

/** A result with every field set. */
export function benchmarkResult(over: Partial<BenchmarkResultRecord> = {}): BenchmarkResultRecord {
  return {
    runId: "run_0001",
    model: "mock-a",
    taskId: "knowledge-physics",
    category: "knowledge",
    score: 0.75,
    passed: false,
    output: "héllo 👋 B",
    error: "",
    latencyMs: 12.5,
    ttftMs: 3.25,
    inputTokens: 40,
    outputTokens: 12,
    costUsd: 0.000125,
    deployment: "mock:mock-a",
    provider: "mock",
    upstreamModel: "mock-a",
    ...over,
  };
}

/** The behaviour every BenchmarkStore backend must have: run it against each. */
export function benchmarkStoreContract(backend: string, open: () => BenchmarkStore): void {
  describe(`the benchmark store contract: ${backend}`, () => {
    const opened: BenchmarkStore[] = [];
    const store = () => {
      const s = open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it("gives back a saved run, every field as it was saved, and replaces it when saved again", async () => {
      const s = store();
      await s.saveRun(benchmarkRun());
      expect(await s.getRun("run_0001")).toEqual(benchmarkRun());
      const done = benchmarkRun({ state: "succeeded", completed: 4, failed: 1, endedAt: T0 + 5_000 });
      await s.saveRun(done);
      expect(await s.getRun("run_0001")).toEqual(done);
      expect(await s.getRun("run_unknown")).toBeUndefined();
    });

    it("gives back a run's results in the order stored, replacing one for the same model and task", async () => {
      const s = store();
      await s.saveRun(benchmarkRun());
      await s.addResult(benchmarkResult());
      await s.addResult(benchmarkResult({ model: "mock-b", score: 0, error: "upstream_timeout: slow" }));
      await s.addResult(
        benchmarkResult({ taskId: "code-fizzbuzz", category: "code", passed: true, score: 1 }),
      );
      await s.addResult(benchmarkResult({ score: 1, passed: true }));
      const results = await s.results("run_0001");
      expect(results.map((r) => [r.model, r.taskId, r.score])).toEqual([
        ["mock-b", "knowledge-physics", 0],
        ["mock-a", "code-fizzbuzz", 1],
        ["mock-a", "knowledge-physics", 1],
      ]);
      expect(results[0]).toEqual(
        benchmarkResult({ model: "mock-b", score: 0, error: "upstream_timeout: slow" }),
      );
      expect(await s.results("run_unknown")).toEqual([]);
    });

    it("keeps long outputs whole", async () => {
      const s = store();
      const output = "x".repeat(64 * 1024);
      await s.addResult(benchmarkResult({ output }));
      expect((await s.results("run_0001"))[0]?.output).toBe(output);
    });

    it("lists runs newest first, a page at a time, to the last page", async () => {
      const s = store();
      for (let i = 0; i < 5; i++)
        await s.saveRun(benchmarkRun({ id: `run_${i}`, createdAt: T0 + (i === 4 ? 3 : i) * 1000 }));
      const first = await s.listRuns(2);
      expect(first.runs.map((r) => r.id)).toEqual(["run_4", "run_3"]);
      const second = await s.listRuns(2, first.nextPageToken);
      expect(second.runs.map((r) => r.id)).toEqual(["run_2", "run_1"]);
      const last = await s.listRuns(2, second.nextPageToken);
      expect(last.runs.map((r) => r.id)).toEqual(["run_0"]);
      expect(last.nextPageToken).toBe("");
      expect((await s.listRuns(100)).runs).toHaveLength(5);
    });

    it("refuses a page token it did not issue", async () => {
      const s = store();
      await expect(s.listRuns(2, "not-a-token")).rejects.toThrow(RangeError);
    });

    it("marks queued and running runs interrupted, and leaves finished ones", async () => {
      const s = store();
      await s.saveRun(benchmarkRun({ id: "run_q", state: "queued" }));
      await s.saveRun(benchmarkRun({ id: "run_r", state: "running" }));
      await s.saveRun(benchmarkRun({ id: "run_s", state: "succeeded", endedAt: T0 + 1 }));
      expect(await s.interruptUnfinished(T0 + 9, "the gateway restarted")).toBe(2);
      expect(await s.getRun("run_r")).toEqual(
        benchmarkRun({ id: "run_r", state: "interrupted", endedAt: T0 + 9, error: "the gateway restarted" }),
      );
      expect((await s.getRun("run_q"))?.state).toBe("interrupted");
      expect((await s.getRun("run_s"))?.state).toBe("succeeded");
      expect(await s.interruptUnfinished(T0 + 10, "again")).toBe(0);
    });

    it("treats ids as exact strings, not patterns", async () => {
      const s = store();
      await s.saveRun(benchmarkRun({ id: "run_%" }));
      await s.addResult(benchmarkResult({ runId: "run_%" }));
      expect(await s.getRun("run__")).toBeUndefined();
      expect(await s.results("run__")).toEqual([]);
      expect(await s.results("run_%")).toHaveLength(1);
    });
  });
}
