import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  BenchmarkCategory,
  type BenchmarkModelSummarySchema,
  type BenchmarkResultSchema,
  type BenchmarkRunSchema,
  BenchmarkRunState,
  BenchmarkScorer,
  type BenchmarkTaskSchema,
} from "../../gen/llmgw/v1/benchmark_pb.js";
import type { ModelSummary } from "../benchmark/run-summary.ts";
import type { BenchmarkTaskDef, ScorerSpec, TaskCategory } from "../benchmark/task.ts";
import type { BenchmarkResultRecord, BenchmarkRunRecord, RunState } from "../state/benchmark-store.ts";

/** The benchmark suite's records as BenchmarkService's messages. */

export function taskMessage(t: BenchmarkTaskDef): MessageInitShape<typeof BenchmarkTaskSchema> {
  return {
    id: t.id,
    title: t.title,
    category: categoryOf(t.category),
    scorer: scorerOf(t.scorer.kind),
    prompt: t.prompt,
    system: t.system,
  };
}

export function runMessage(r: BenchmarkRunRecord): MessageInitShape<typeof BenchmarkRunSchema> {
  return {
    id: r.id,
    state: stateOf(r.state),
    models: [...r.models],
    taskIds: [...r.taskIds],
    concurrency: r.concurrency,
    total: r.total,
    completed: r.completed,
    failed: r.failed,
    createTime: timestampFromMs(r.createdAt),
    ...(r.endedAt === 0 ? {} : { endTime: timestampFromMs(r.endedAt) }),
    error: r.error,
    keyName: r.keyName,
  };
}

export function resultMessage(r: BenchmarkResultRecord): MessageInitShape<typeof BenchmarkResultSchema> {
  return {
    model: r.model,
    taskId: r.taskId,
    category: categoryOf(r.category as TaskCategory),
    score: r.score,
    passed: r.passed,
    output: r.output,
    error: r.error,
    latencyMs: r.latencyMs,
    ttftMs: r.ttftMs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    costUsd: r.costUsd,
    deployment: r.deployment,
  };
}

export function summaryMessage(s: ModelSummary): MessageInitShape<typeof BenchmarkModelSummarySchema> {
  return {
    model: s.model,
    accuracy: s.accuracy,
    meanLatencyMs: s.meanLatencyMs,
    meanTtftMs: s.meanTtftMs,
    inputTokens: BigInt(s.inputTokens),
    outputTokens: BigInt(s.outputTokens),
    costUsd: s.costUsd,
    categories: s.categories.map((c) => ({
      category: categoryOf(c.category as TaskCategory),
      accuracy: c.accuracy,
      tasks: c.tasks,
    })),
    failed: s.failed,
  };
}

function categoryOf(category: TaskCategory): BenchmarkCategory {
  switch (category) {
    case "knowledge":
      return BenchmarkCategory.KNOWLEDGE;
    case "code":
      return BenchmarkCategory.CODE;
    case "summarization":
      return BenchmarkCategory.SUMMARIZATION;
    case "reasoning":
      return BenchmarkCategory.REASONING;
    case "instruction":
      return BenchmarkCategory.INSTRUCTION_FOLLOWING;
    // A category a later suite stored, unknown to this one.
    default:
      return BenchmarkCategory.UNSPECIFIED;
  }
}

function scorerOf(kind: ScorerSpec["kind"]): BenchmarkScorer {
  switch (kind) {
    case "keyword":
      return BenchmarkScorer.KEYWORD_MATCH;
    case "code":
      return BenchmarkScorer.CODE_STRUCTURE;
    case "summary":
      return BenchmarkScorer.SUMMARY_COMPOSITE;
    case "format":
      return BenchmarkScorer.FORMAT_VALIDATION;
  }
}

function stateOf(state: RunState): BenchmarkRunState {
  switch (state) {
    case "queued":
      return BenchmarkRunState.QUEUED;
    case "running":
      return BenchmarkRunState.RUNNING;
    case "succeeded":
      return BenchmarkRunState.SUCCEEDED;
    case "failed":
      return BenchmarkRunState.FAILED;
    case "interrupted":
      return BenchmarkRunState.INTERRUPTED;
  }
}
