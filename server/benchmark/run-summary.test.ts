import { describe, expect, it } from "vitest";
import { benchmarkResult } from "../state/benchmark-store-contract.ts";
import { summarize } from "./run-summary.ts";

describe("a run's summaries", () => {
  it("gives each model its accuracy, means, totals and per-category accuracy", () => {
    const results = [
      benchmarkResult({
        model: "a",
        taskId: "k1",
        category: "knowledge",
        score: 1,
        latencyMs: 10,
        ttftMs: 2,
      }),
      benchmarkResult({
        model: "a",
        taskId: "k2",
        category: "knowledge",
        score: 0,
        latencyMs: 30,
        ttftMs: 4,
      }),
      benchmarkResult({ model: "a", taskId: "c1", category: "code", score: 0.5, latencyMs: 20, ttftMs: 3 }),
      benchmarkResult({
        model: "b",
        taskId: "k1",
        category: "knowledge",
        score: 0,
        error: "upstream_timeout: x",
      }),
      benchmarkResult({
        model: "b",
        taskId: "k2",
        category: "knowledge",
        score: 1,
        latencyMs: 50,
        ttftMs: 5,
      }),
    ];
    const [a, b, ...rest] = summarize(["a", "b", "c"], results);
    expect(rest).toEqual([]);
    expect(a).toEqual({
      model: "a",
      accuracy: 0.5,
      meanLatencyMs: 20,
      meanTtftMs: 3,
      inputTokens: 120,
      outputTokens: 36,
      costUsd: 3 * 0.000125,
      categories: [
        { category: "knowledge", accuracy: 0.5, tasks: 2 },
        { category: "code", accuracy: 0.5, tasks: 1 },
      ],
      failed: 0,
    });
    expect(b?.accuracy).toBe(0.5);
    expect(b?.failed).toBe(1);
    // The failure's time is not the model's.
    expect(b?.meanLatencyMs).toBe(50);
  });

  it("is empty before any result", () => {
    expect(summarize(["a"], [])).toEqual([]);
  });
});
