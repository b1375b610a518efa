import type { BenchmarkTaskDef } from "../task.ts";

/** Instruction following: JSON output and a numbered list, scored on the format asked for. */
export const INSTRUCTION_TASKS: readonly BenchmarkTaskDef[] = [
  {
    id: "instruction-json",
    title: "Instructions: JSON output",
    category: "instruction",
    prompt:
      'Describe the planet Mars as a JSON object with exactly these keys: "name" (a string), "moons" (the number of its moons, a number) and "has_rings" (a boolean). Reply with the JSON object only.',
    system: "Follow the output format exactly.",
    scorer: {
      kind: "format",
      settings: { kind: "json", keys: { name: "string", moons: "number", has_rings: "boolean" } },
    },
    passMark: 1,
    maxTokens: 100,
  },
  {
    id: "instruction-numbered-list",
    title: "Instructions: a numbered list",
    category: "instruction",
    prompt:
      'List five different prime numbers below 30 as a numbered list, one per line ("1. 2"), with nothing before or after the list.',
    system: "Follow the output format exactly.",
    scorer: {
      kind: "format",
      settings: {
        kind: "numbered-list",
        items: 5,
        allowed: ["2", "3", "5", "7", "11", "13", "17", "19", "23", "29"],
      },
    },
    passMark: 1,
    maxTokens: 100,
  },
];
