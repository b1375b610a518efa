import type { CallOptions } from "@connectrpc/connect";
import {
  type BenchmarkRun,
  BenchmarkRunState,
  type BenchmarkTask,
  type GetResultsResponse,
} from "../gen/llmgw/v1/benchmark_pb.js";
import type { LlmgwClient } from "./client.ts";

/** What the benchmark helpers need of a client. */
export type BenchmarksClient = Pick<LlmgwClient, "benchmarks">;

/** What to run: model names (1 to 8), task ids (none for all 14), requests in flight at once (1 to 16, default 4). */
export interface BenchmarkRunOptions {
  readonly models: readonly string[];
  readonly taskIds?: readonly string[];
  readonly concurrency?: number;
}

/** The suite's tasks. */
export async function listBenchmarkTasks(
  client: BenchmarksClient,
  options?: CallOptions,
): Promise<BenchmarkTask[]> {
  return (await client.benchmarks.listTasks({}, options)).tasks;
}

/**
 * Starts a run and returns it at once (admin keys only); follow it with
 * `getBenchmarkRun` or `waitForBenchmarkRun`.
 *
 * @example
 * const run = await startBenchmarkRun(llmgw, { models: ["gpt-4o-mini", "llama3"] });
 * const done = await waitForBenchmarkRun(llmgw, run.id, { onProgress: (r) => console.log(r.completed, "/", r.total) });
 * const { models } = await getBenchmarkResults(llmgw, done.id);
 */
export async function startBenchmarkRun(
  client: BenchmarksClient,
  run: BenchmarkRunOptions,
  options?: CallOptions,
): Promise<BenchmarkRun> {
  const { run: started } = await client.benchmarks.startRun(
    { models: [...run.models], taskIds: [...(run.taskIds ?? [])], concurrency: run.concurrency ?? 0 },
    options,
  );
  if (started === undefined) throw new Error("the gateway returned no run");
  return started;
}

/** A run's progress. */
export async function getBenchmarkRun(
  client: BenchmarksClient,
  id: string,
  options?: CallOptions,
): Promise<BenchmarkRun> {
  const { run } = await client.benchmarks.getRun({ id }, options);
  if (run === undefined) throw new Error("the gateway returned no run");
  return run;
}

/** Whether a run has stopped (succeeded, failed or interrupted). */
export function benchmarkRunEnded(run: BenchmarkRun): boolean {
  return (
    run.state === BenchmarkRunState.SUCCEEDED ||
    run.state === BenchmarkRunState.FAILED ||
    run.state === BenchmarkRunState.INTERRUPTED
  );
}

/** Options for waiting on a run. */
export interface WaitOptions extends CallOptions {
  /** How often to ask, ms (default 500). */
  readonly intervalMs?: number;
  /** Told of each reading while the run goes on. */
  readonly onProgress?: (run: BenchmarkRun) => void;
}

/** Polls a run until it ends and returns it; `signal` stops the wait (rejecting with its reason). */
export async function waitForBenchmarkRun(
  client: BenchmarksClient,
  id: string,
  options: WaitOptions = {},
): Promise<BenchmarkRun> {
  const { intervalMs = 500, onProgress, ...call } = options;
  for (;;) {
    const run = await getBenchmarkRun(client, id, call);
    if (benchmarkRunEnded(run)) return run;
    onProgress?.(run);
    await sleep(intervalMs, call.signal);
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts; leaves no listener behind. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A run's per-task results and per-model summaries (accuracy, latency, TTFT, tokens, cost, per category). */
export async function getBenchmarkResults(
  client: BenchmarksClient,
  runId: string,
  options?: CallOptions,
): Promise<GetResultsResponse> {
  return client.benchmarks.getResults({ runId }, options);
}

/** One page of runs, newest first. */
export async function listBenchmarkRuns(
  client: BenchmarksClient,
  page: { readonly pageSize?: number; readonly pageToken?: string } = {},
  options?: CallOptions,
): Promise<{ runs: BenchmarkRun[]; nextPageToken: string }> {
  const { runs, nextPageToken } = await client.benchmarks.listRuns(
    { pageSize: page.pageSize ?? 0, pageToken: page.pageToken ?? "" },
    options,
  );
  return { runs, nextPageToken };
}
