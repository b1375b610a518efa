import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BenchmarkCategory,
  BenchmarkRunState,
  getBenchmarkResults,
  getBenchmarkRun,
  listBenchmarkRuns,
  listBenchmarkTasks,
  startBenchmarkRun,
  waitForBenchmarkRun,
} from "../sdk/index.ts";
import {
  BENCH_ADMIN,
  BENCH_USER,
  benchmarkClient,
  benchmarkLedgerPath,
  startBenchmarkGateway,
} from "./harness/benchmark-gateway.ts";
import { PostgresServer } from "./harness/postgres-server.ts";
import { rejection } from "./harness/rejection.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The benchmark suite end to end: a real gateway in front of the mock, driven through the SDK over
 * connect-node (Connect over HTTP/1.1). A two-model run goes through the gateway's own pipeline,
 * shows its progress while it runs, and ends with per-model and per-category results carrying real
 * latency, TTFT, tokens and cost; the results read back from the same SQLite file after a restart.
 */

const client = benchmarkClient;

function refusal(promise: Promise<unknown>): Promise<ConnectError> {
  return rejection(promise, (error) => ConnectError.from(error));
}

describe("the benchmark suite, run through the gateway", () => {
  const path = benchmarkLedgerPath();
  let gw: TestGateway;
  let runId = "";
  /** Every reading of the run while it went on. */
  const readings: { completed: number; state: BenchmarkRunState }[] = [];

  beforeAll(async () => {
    gw = await startBenchmarkGateway(path);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("lists the suite's 14 tasks to any key", async () => {
    const tasks = await listBenchmarkTasks(client(gw, BENCH_USER));
    expect(tasks).toHaveLength(14);
    expect(new Set(tasks.map((t) => t.category)).size).toBe(5);
    expect(tasks.every((t) => t.prompt !== "" && t.scorer !== 0)).toBe(true);
  });

  it("refuses StartRun to a key that is not an admin, and to no key at all", async () => {
    const user = await refusal(startBenchmarkRun(client(gw, BENCH_USER), { models: ["smart"] }));
    expect(user.code).toBe(Code.PermissionDenied);
    const anonymous = await refusal(startBenchmarkRun(client(gw, "sk-nobody"), { models: ["smart"] }));
    expect(anonymous.code).toBe(Code.Unauthenticated);
    expect(gw.mock.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(0);
  });

  it("refuses a run it cannot do, saying which field is wrong", async () => {
    const admin = client(gw, BENCH_ADMIN);
    const cases = [
      { models: [] },
      { models: ["smart"], taskIds: ["knowledge-chemistry"] },
      { models: ["smart"], concurrency: 17 },
      { models: ["a", "b", "c", "d", "e", "f", "g", "h", "i"] },
    ];
    for (const run of cases) {
      const error = await refusal(startBenchmarkRun(admin, run));
      expect(error.code).toBe(Code.InvalidArgument);
    }
  });

  it("runs two models to completion, with progress visible while it runs", async () => {
    const admin = client(gw, BENCH_ADMIN);
    const started = await startBenchmarkRun(admin, { models: ["smart", "plain"], concurrency: 2 });
    runId = started.id;
    expect(started.state).toBe(BenchmarkRunState.RUNNING);
    expect(started.total).toBe(28);
    expect(started.keyName).toBe("ops");
    // Any key may follow it.
    const done = await waitForBenchmarkRun(client(gw, BENCH_USER), runId, {
      intervalMs: 10,
      onProgress: (r) => readings.push({ completed: r.completed, state: r.state }),
    });
    expect(done.state).toBe(BenchmarkRunState.SUCCEEDED);
    expect(done.completed).toBe(28);
    expect(done.failed).toBe(0);
    expect(done.endTime).toBeDefined();
    expect(readings.some((r) => r.completed > 0 && r.completed < 28)).toBe(true);
    expect(readings.every((r) => r.state === BenchmarkRunState.RUNNING)).toBe(true);
    // Real requests reached the upstream, one per task and model.
    expect(gw.mock.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(28);
  });

  it("gives per-model and per-category results with real latency, TTFT, tokens and cost", async () => {
    const { run, results, models } = await getBenchmarkResults(client(gw, BENCH_USER), runId);
    expect(run?.id).toBe(runId);
    expect(results).toHaveLength(28);
    const smartAnswers = results.filter((r) => r.model === "smart");
    expect(smartAnswers.every((r) => r.output === "C" && r.deployment === "smart:mock-large")).toBe(true);
    const biology = smartAnswers.find((r) => r.taskId === "knowledge-biology");
    expect(biology).toMatchObject({ score: 1, passed: true, category: BenchmarkCategory.KNOWLEDGE });
    expect(smartAnswers.find((r) => r.taskId === "knowledge-physics")).toMatchObject({
      score: 0,
      passed: false,
    });
    for (const r of results) {
      expect(r.latencyMs).toBeGreaterThan(0);
      expect(r.ttftMs).toBeGreaterThan(0);
      expect(r.ttftMs).toBeLessThanOrEqual(r.latencyMs);
      expect(r.inputTokens).toBeGreaterThan(0);
      expect(r.outputTokens).toBeGreaterThan(0);
      expect(r.costUsd).toBeGreaterThan(0);
    }
    expect(models.map((m) => m.model)).toEqual(["smart", "plain"]);
    const [smart, plain] = models;
    if (smart === undefined || plain === undefined) throw new Error("no summaries");
    expect(smart.accuracy).toBeGreaterThan(plain.accuracy);
    // smart waits 15 ms for its first token, plain 5 ms.
    expect(smart.meanTtftMs).toBeGreaterThan(plain.meanTtftMs);
    expect(smart.categories.map((c) => c.category)).toEqual([
      BenchmarkCategory.KNOWLEDGE,
      BenchmarkCategory.CODE,
      BenchmarkCategory.SUMMARIZATION,
      BenchmarkCategory.REASONING,
      BenchmarkCategory.INSTRUCTION_FOLLOWING,
    ]);
    expect(smart.categories[0]).toMatchObject({ accuracy: 2 / 5, tasks: 5 });
    const summed = smartAnswers.reduce((sum, r) => sum + r.costUsd, 0);
    expect(smart.costUsd).toBeCloseTo(summed, 12);
    expect(Number(smart.inputTokens)).toBe(smartAnswers.reduce((sum, r) => sum + r.inputTokens, 0));
  });

  it("scores a request that fails as 0 and counts it in failed", async () => {
    const admin = client(gw, BENCH_ADMIN);
    const started = await startBenchmarkRun(admin, {
      models: ["ghost:no-such-model", "plain"],
      taskIds: ["reasoning-logic"],
    });
    const done = await waitForBenchmarkRun(admin, started.id, { intervalMs: 10 });
    expect(done).toMatchObject({ state: BenchmarkRunState.SUCCEEDED, completed: 2, failed: 1 });
    const { results, models } = await getBenchmarkResults(admin, started.id);
    const failed = results.find((r) => r.model === "ghost:no-such-model");
    expect(failed?.score).toBe(0);
    expect(failed?.error).toMatch(/^model_not_found: /);
    expect(models.find((m) => m.model === "ghost:no-such-model")?.failed).toBe(1);
  });

  it("says not found for an unknown run, and refuses a bad page token", async () => {
    const user = client(gw, BENCH_USER);
    expect((await refusal(getBenchmarkRun(user, "run_nope"))).code).toBe(Code.NotFound);
    expect((await refusal(getBenchmarkResults(user, ""))).code).toBe(Code.InvalidArgument);
    expect((await refusal(listBenchmarkRuns(user, { pageToken: "bogus" }))).code).toBe(Code.InvalidArgument);
  });

  it("reads the runs and results back after a restart on the same SQLite file", async () => {
    const before = await getBenchmarkResults(client(gw, BENCH_USER), runId);
    await gw.close();
    gw = await startBenchmarkGateway(path);
    const user = client(gw, BENCH_USER);
    const after = await getBenchmarkResults(user, runId);
    expect(after.results).toEqual(before.results);
    expect(after.models).toEqual(before.models);
    expect(after.run?.state).toBe(BenchmarkRunState.SUCCEEDED);
    const { runs } = await listBenchmarkRuns(user);
    expect(runs.map((r) => r.id)).toContain(runId);
    expect(runs[runs.length - 1]?.id).toBe(runId);
  });

  it("stores a run the gateway stops in the middle of as interrupted", async () => {
    const admin = client(gw, BENCH_ADMIN);
    const started = await startBenchmarkRun(admin, { models: ["smart"], concurrency: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await gw.close();
    gw = await startBenchmarkGateway(path);
    const run = await getBenchmarkRun(client(gw, BENCH_USER), started.id);
    expect(run.state).toBe(BenchmarkRunState.INTERRUPTED);
    expect(run.completed).toBeLessThan(14);
    expect(run.error).toMatch(/stopped before the run finished/);
  });
});

describe("the benchmark suite with postgres.url set", () => {
  let server: PostgresServer;
  let url: string;
  beforeAll(async () => {
    server = await PostgresServer.start();
    url = await server.database();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("keeps runs and results in PostgreSQL, where another gateway reads them", async () => {
    const first = await startBenchmarkGateway(benchmarkLedgerPath(), { postgres: { url } });
    let second: TestGateway | undefined;
    try {
      const admin = client(first, BENCH_ADMIN);
      const run = await startBenchmarkRun(admin, { models: ["smart"], taskIds: ["knowledge-biology"] });
      await waitForBenchmarkRun(admin, run.id, { intervalMs: 10 });
      // Another replica, with a ledger file of its own: only PostgreSQL holds the run.
      second = await startBenchmarkGateway(benchmarkLedgerPath(), { postgres: { url } });
      const { results, models } = await getBenchmarkResults(client(second, BENCH_USER), run.id);
      expect(results.map((r) => [r.taskId, r.score])).toEqual([["knowledge-biology", 1]]);
      expect(models[0]?.accuracy).toBe(1);
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
