import { invalidRequest } from "../errors/gateway-error.ts";
import { SUITE, taskById } from "./suite.ts";
import type { BenchmarkTaskDef } from "./task.ts";

export const MAX_MODELS = 8;
export const MAX_CONCURRENCY = 16;
export const DEFAULT_CONCURRENCY = 4;
/** Longer than any model name a caller could mean. */
const MAX_MODEL_NAME = 256;

/** A StartRun request as the caller sent it. */
export interface RunInput {
  readonly models: readonly string[];
  readonly taskIds: readonly string[];
  /** 0 for the default. */
  readonly concurrency: number;
}

/** A StartRun request checked: the models, the tasks in the suite's order, and the concurrency. */
export interface RunPlan {
  readonly models: readonly string[];
  readonly tasks: readonly BenchmarkTaskDef[];
  readonly concurrency: number;
}

/**
 * Checks a StartRun request: 1 to 8 distinct, non-empty model names; task
 * ids the suite knows (none means every task), each once; concurrency 1
 * to 16 (0: 4). Throws `invalid_request` naming the field.
 */
export function checkRunInput(input: RunInput): RunPlan {
  const models = input.models.map((m) => m.trim());
  if (models.length === 0) throw invalidRequest("name at least one model", "models");
  if (models.length > MAX_MODELS) throw invalidRequest(`at most ${MAX_MODELS} models per run`, "models");
  models.forEach((m, i) => {
    if (m === "" || m.length > MAX_MODEL_NAME)
      throw invalidRequest(`a model name must be 1 to ${MAX_MODEL_NAME} characters`, `models[${i}]`);
  });
  if (new Set(models).size !== models.length) throw invalidRequest("a model is named twice", "models");
  const wanted = new Set<string>();
  input.taskIds.forEach((id, i) => {
    if (taskById(id) === undefined)
      throw invalidRequest(
        `no benchmark task is called "${id.slice(0, 100)}"; see ListTasks`,
        `task_ids[${i}]`,
      );
    if (wanted.has(id)) throw invalidRequest(`task "${id}" is named twice`, `task_ids[${i}]`);
    wanted.add(id);
  });
  const tasks = wanted.size === 0 ? SUITE : SUITE.filter((t) => wanted.has(t.id));
  const concurrency = input.concurrency === 0 ? DEFAULT_CONCURRENCY : input.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)
    throw invalidRequest(
      `concurrency must be 1 to ${MAX_CONCURRENCY} (0 for ${DEFAULT_CONCURRENCY})`,
      "concurrency",
    );
  return { models, tasks, concurrency };
}
