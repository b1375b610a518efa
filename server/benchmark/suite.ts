import type { BenchmarkTaskDef } from "./task.ts";
import { CODE_TASKS } from "./tasks/code-tasks.ts";
import { INSTRUCTION_TASKS } from "./tasks/instruction-tasks.ts";
import { KNOWLEDGE_TASKS } from "./tasks/knowledge-tasks.ts";
import { REASONING_TASKS } from "./tasks/reasoning-tasks.ts";
import { SUMMARIZATION_TASKS } from "./tasks/summarization-tasks.ts";

/** The suite: 14 tasks in 5 categories, in the order runs list them. */
export const SUITE: readonly BenchmarkTaskDef[] = [
  ...KNOWLEDGE_TASKS,
  ...CODE_TASKS,
  ...SUMMARIZATION_TASKS,
  ...REASONING_TASKS,
  ...INSTRUCTION_TASKS,
];

const BY_ID: ReadonlyMap<string, BenchmarkTaskDef> = new Map(SUITE.map((t) => [t.id, t]));

/** The task with this id; undefined for one the suite does not have. */
export function taskById(id: string): BenchmarkTaskDef | undefined {
  return BY_ID.get(id);
}
