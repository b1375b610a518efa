import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExplainRouteResponse,
  explainRoute,
  getBenchmarkResults,
  getRoutingConfig,
  type LlmgwClient,
  QualitySource,
  startBenchmarkRun,
  streamText,
  updateRoutingConfig,
  userMessage,
  waitForBenchmarkRun,
} from "../sdk/index.ts";
import {
  BENCH_ADMIN,
  BENCH_USER,
  benchmarkClient,
  benchmarkLedgerPath,
  startBenchmarkGateway,
} from "./harness/benchmark-gateway.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The benchmark feeding routing: with `routing.benchmark_quality` on, the virtual models score each
 * deployment on its measured accuracy instead of its configured `quality`, and ExplainRoute says
 * which source each figure came from. The config rates `plain` above `smart`; the run measures the
 * opposite (smart's mock answers "C", right for two of the five knowledge questions).
 */

const client = benchmarkClient;

function candidates(answer: ExplainRouteResponse) {
  return answer.candidates.map((c) => ({
    deployment: c.deployment,
    source: c.qualitySource,
    quality: c.quality,
  }));
}

describe("benchmark results feeding the virtual models", () => {
  let gw: TestGateway;
  let admin: LlmgwClient;

  beforeAll(async () => {
    gw = await startBenchmarkGateway(benchmarkLedgerPath());
    admin = client(gw, BENCH_ADMIN);
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("scores on the configured quality while the option is off, even with results stored", async () => {
    const before = await explainRoute(admin, "quality", "What is the capital of France?");
    expect(candidates(before)).toEqual([
      { deployment: "plain:mock-small", source: QualitySource.CONFIG, quality: 0.9 },
      { deployment: "smart:mock-large", source: QualitySource.CONFIG, quality: 0.2 },
    ]);
    const run = await startBenchmarkRun(admin, {
      models: ["smart", "plain"],
      taskIds: [
        "knowledge-physics",
        "knowledge-biology",
        "knowledge-computer-science",
        "knowledge-calculus",
        "knowledge-history",
      ],
    });
    await waitForBenchmarkRun(admin, run.id, { intervalMs: 10 });
    const { models } = await getBenchmarkResults(admin, run.id);
    expect(models.map((m) => [m.model, m.accuracy])).toEqual([
      ["smart", 0.4],
      ["plain", 0],
    ]);
    const after = await explainRoute(admin, "quality", "What is the capital of France?");
    expect(candidates(after)).toEqual(candidates(before));
  });

  it("scores on the measured accuracy once on, says so in ExplainRoute, and routes by it", async () => {
    const config = await getRoutingConfig(admin);
    await updateRoutingConfig(admin, { ...config, benchmark_quality: true });
    const explained = await explainRoute(client(gw, BENCH_USER), "quality", "What is the capital of France?");
    expect(candidates(explained)).toEqual([
      { deployment: "smart:mock-large", source: QualitySource.BENCHMARK, quality: 0.4 },
      { deployment: "plain:mock-small", source: QualitySource.BENCHMARK, quality: 0 },
    ]);
    expect(explained.deployment).toBe("smart:mock-large");
    // A real call to the virtual model goes where ExplainRoute said.
    let text = "";
    const events = admin.chat.stream({ chat: { model: "quality", messages: [userMessage("Hello")] } });
    for await (const piece of streamText(events)) text += piece;
    expect(text).toBe("C");
  });

  it("leaves a routed model's own strategy alone: only the virtual models score quality", async () => {
    const routed = await explainRoute(admin, "plain", "Hello");
    expect(routed.candidates.map((c) => c.qualitySource)).toEqual([QualitySource.UNSPECIFIED]);
    expect(routed.candidates[0]?.quality).toBeUndefined();
  });
});
