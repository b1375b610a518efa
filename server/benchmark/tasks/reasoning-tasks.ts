import type { BenchmarkTaskDef } from "../task.ts";

/** Reasoning: a logic puzzle and a word problem, each with one exact answer. */
export const REASONING_TASKS: readonly BenchmarkTaskDef[] = [
  {
    id: "reasoning-logic",
    title: "Reasoning: who owns the dog",
    category: "reasoning",
    prompt:
      "Ana, Ben and Caro each own exactly one pet: a cat, a dog or a fish, and no two own the same kind. Ana does not own the dog. Ben owns the fish. Who owns the dog? Reply with the name only.",
    system: "Think it through, then reply with only the final answer.",
    scorer: { kind: "format", settings: { kind: "exact", answer: "Caro" } },
    passMark: 1,
    maxTokens: 32,
  },
  {
    id: "reasoning-word-problem",
    title: "Reasoning: the cheapest muffins",
    category: "reasoning",
    prompt:
      "A bakery sells muffins for $3 each, or in boxes of 4 for $10. What is the least you can pay for exactly 10 muffins? Reply with the number of dollars only.",
    system: "Think it through, then reply with only the final answer.",
    scorer: { kind: "format", settings: { kind: "exact", answer: "26", aliases: ["$26", "26 dollars"] } },
    passMark: 1,
    maxTokens: 32,
  },
];
