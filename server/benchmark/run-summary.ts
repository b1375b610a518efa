import type { BenchmarkResultRecord } from "../state/benchmark-store.ts";

/** One model's accuracy in one category. */
export interface CategoryScore {
  readonly category: string;
  /** Mean score, 0 to 1. */
  readonly accuracy: number;
  readonly tasks: number;
}

/** One model's figures over a run. */
export interface ModelSummary {
  readonly model: string;
  /** Mean score over every task tried, failures as 0. */
  readonly accuracy: number;
  /** Means over the requests that were answered (a failure's time says nothing of the model). */
  readonly meanLatencyMs: number;
  readonly meanTtftMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  /** In the order the categories first appear in the results. */
  readonly categories: readonly CategoryScore[];
  readonly failed: number;
}

/** Per-model summaries of a run's results, in the run's model order (models with no result yet are left out). */
export function summarize(
  models: readonly string[],
  results: readonly BenchmarkResultRecord[],
): ModelSummary[] {
  const out: ModelSummary[] = [];
  for (const model of models) {
    const mine = results.filter((r) => r.model === model);
    if (mine.length === 0) continue;
    const answered = mine.filter((r) => r.error === "");
    const categories = new Map<string, { sum: number; tasks: number }>();
    for (const r of mine) {
      const c = categories.get(r.category) ?? { sum: 0, tasks: 0 };
      c.sum += r.score;
      c.tasks++;
      categories.set(r.category, c);
    }
    out.push({
      model,
      accuracy: mean(mine.map((r) => r.score)),
      meanLatencyMs: mean(answered.map((r) => r.latencyMs)),
      meanTtftMs: mean(answered.map((r) => r.ttftMs)),
      inputTokens: sum(mine.map((r) => r.inputTokens)),
      outputTokens: sum(mine.map((r) => r.outputTokens)),
      costUsd: sum(mine.map((r) => r.costUsd)),
      categories: [...categories].map(([category, c]) => ({
        category,
        accuracy: c.sum / c.tasks,
        tasks: c.tasks,
      })),
      failed: mine.length - answered.length,
    });
  }
  return out;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : sum(values) / values.length;
}
