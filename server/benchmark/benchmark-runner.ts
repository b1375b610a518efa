import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { KeyInfo } from "../core/call.ts";
import type { Pipeline } from "../core/end-runner.ts";
import type { InFlight } from "../core/in-flight.ts";
import { GatewayError } from "../errors/gateway-error.ts";
import type {
  BenchmarkResultRecord,
  BenchmarkRunRecord,
  BenchmarkStore,
  RunPage,
} from "../state/benchmark-store.ts";
import { checkRunInput, type RunInput, type RunPlan } from "./run-request.ts";
import { runTask } from "./run-task.ts";

/** What the runner needs from the gateway. */
export interface RunnerDeps {
  readonly pipeline: Pipeline;
  readonly inFlight: InFlight;
  readonly store: BenchmarkStore;
  readonly log: Logger;
  /** Told when a run has finished and its results are stored (the routing feed re-reads them). */
  readonly onFinished?: () => void;
}

/** A run in progress in this process. */
interface ActiveRun {
  record: BenchmarkRunRecord;
  readonly stop: AbortController;
  done: Promise<void>;
}

const RESTART_REASON = "the gateway stopped before the run finished";
/** Runs in progress at once on one gateway: each sends up to 16 requests at a time. */
export const MAX_ACTIVE_RUNS = 4;

/**
 * Runs the benchmark suite: StartRun checks and stores a run and returns at
 * once; the run then sends its requests through the gateway's pipeline,
 * `concurrency` at a time, as the key that started it, storing each result
 * and the run's progress as it goes. Reads go to the store, except a run in
 * progress here, which is read as it stands. A run still going when the
 * gateway stops, or found unfinished at start-up, becomes interrupted.
 */
export class BenchmarkRunner {
  readonly #deps: RunnerDeps;
  readonly #active = new Map<string, ActiveRun>();
  #closed = false;

  private constructor(deps: RunnerDeps) {
    this.#deps = deps;
  }

  /** A runner over `deps.store`, after marking the runs a previous process left unfinished interrupted. */
  static async start(deps: RunnerDeps): Promise<BenchmarkRunner> {
    const interrupted = await deps.store.interruptUnfinished(Date.now(), RESTART_REASON);
    if (interrupted > 0)
      deps.log.warn({ runs: interrupted }, "benchmark runs left unfinished are interrupted");
    return new BenchmarkRunner(deps);
  }

  /** Starts a run for an admin key; `credential` is the key's secret, which the run's requests present. */
  async start(caller: KeyInfo, credential: string | undefined, input: RunInput): Promise<BenchmarkRunRecord> {
    if (!caller.admin)
      throw new GatewayError("permission_denied", "only admin keys may start a benchmark run");
    if (this.#closed) throw new GatewayError("unavailable", "the gateway is shutting down");
    const plan = checkRunInput(input);
    if (this.#active.size >= MAX_ACTIVE_RUNS)
      throw new GatewayError(
        "rate_limited",
        `${MAX_ACTIVE_RUNS} benchmark runs are in progress already; start another when one ends`,
      );
    const record: BenchmarkRunRecord = {
      id: `run_${randomUUID().replaceAll("-", "")}`,
      state: "running",
      models: plan.models,
      taskIds: plan.tasks.map((t) => t.id),
      concurrency: plan.concurrency,
      total: plan.models.length * plan.tasks.length,
      completed: 0,
      failed: 0,
      createdAt: Date.now(),
      endedAt: 0,
      error: "",
      keyName: caller.name,
    };
    await this.#deps.store.saveRun(record);
    const active: ActiveRun = { record, stop: new AbortController(), done: Promise.resolve() };
    this.#active.set(record.id, active);
    active.done = this.#run(active, plan, credential);
    this.#deps.log.info(
      { run: record.id, key: caller.name, models: plan.models, tasks: plan.tasks.length },
      "benchmark run started",
    );
    return record;
  }

  /** The run as it stands; undefined for an unknown id. */
  async get(id: string): Promise<BenchmarkRunRecord | undefined> {
    return this.#active.get(id)?.record ?? (await this.#deps.store.getRun(id));
  }

  list(pageSize: number, pageToken?: string): Promise<RunPage> {
    return this.#deps.store.listRuns(pageSize, pageToken);
  }

  results(runId: string): Promise<BenchmarkResultRecord[]> {
    return this.#deps.store.results(runId);
  }

  /** Resolves once every run in progress has finished (for tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#active.values()].map((a) => a.done));
  }

  /** Stops the runs in progress, stores them as interrupted, and refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const active of this.#active.values()) active.stop.abort();
    await this.idle();
  }

  async #run(active: ActiveRun, plan: RunPlan, credential: string | undefined): Promise<void> {
    const { store, log } = this.#deps;
    const ctx = {
      pipeline: this.#deps.pipeline,
      inFlight: this.#deps.inFlight,
      credential,
      signal: active.stop.signal,
    };
    // Model by model, task by task: a run's first results cover every model soonest when concurrency allows.
    const queue = plan.tasks.flatMap((task) => plan.models.map((model) => ({ task, model })));
    let next = 0;
    // Progress is saved one write at a time, in order, so a slow store never sees an older count last.
    let saving = Promise.resolve();
    const worker = async () => {
      while (next < queue.length && !active.stop.signal.aborted) {
        const item = queue[next++] as (typeof queue)[number];
        const result = await runTask(ctx, active.record.id, item.task, item.model);
        if (active.stop.signal.aborted) return;
        await store.addResult(result);
        active.record = {
          ...active.record,
          completed: active.record.completed + 1,
          failed: active.record.failed + (result.error === "" ? 0 : 1),
        };
        const snapshot = active.record;
        saving = saving.then(() => store.saveRun(snapshot));
      }
    };
    let error = "";
    try {
      await Promise.all(Array.from({ length: Math.min(plan.concurrency, queue.length) }, worker));
      await saving;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
      // The other workers stop too: a run whose results cannot be stored is not worth its requests.
      active.stop.abort();
      log.error({ err: failure, run: active.record.id }, "benchmark run failed");
    }
    const interrupted = active.stop.signal.aborted;
    active.record = {
      ...active.record,
      state: error !== "" ? "failed" : interrupted ? "interrupted" : "succeeded",
      endedAt: Date.now(),
      error: error !== "" ? `storing the results failed: ${error}` : interrupted ? RESTART_REASON : "",
    };
    try {
      await saving.catch(() => {});
      await store.saveRun(active.record);
    } catch (failure) {
      log.error({ err: failure, run: active.record.id }, "storing a benchmark run's end failed");
    }
    this.#active.delete(active.record.id);
    log.info(
      { run: active.record.id, state: active.record.state, completed: active.record.completed },
      "benchmark run ended",
    );
    if (active.record.state === "succeeded") this.#deps.onFinished?.();
  }
}
