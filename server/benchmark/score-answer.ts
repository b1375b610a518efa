import { codeStructure } from "./scorers/code-structure.ts";
import { formatValidation } from "./scorers/format-validation.ts";
import { keywordMatch } from "./scorers/keyword-match.ts";
import { summaryComposite } from "./scorers/summary-composite.ts";
import type { BenchmarkTaskDef } from "./task.ts";

/** A task's answer scored by its own scorer, 0 to 1, and whether it reaches the task's pass mark. */
export function scoreAnswer(task: BenchmarkTaskDef, answer: string): { score: number; passed: boolean } {
  const score = clamp(scoreOf(task, answer));
  // Rounded so a sum of parts such as 0.3 + 0.7 that lands a hair under 1 still passes a mark of 1.
  return { score, passed: score + 1e-9 >= task.passMark };
}

function scoreOf(task: BenchmarkTaskDef, answer: string): number {
  const scorer = task.scorer;
  switch (scorer.kind) {
    case "keyword":
      return keywordMatch(answer, scorer.settings);
    case "code":
      return codeStructure(answer, scorer.settings);
    case "summary":
      return summaryComposite(answer, scorer.settings);
    case "format":
      return formatValidation(answer, scorer.settings);
  }
}

function clamp(score: number): number {
  return Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0;
}
