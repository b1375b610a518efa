import type { CodeStructureSettings } from "./scorers/code-structure.ts";
import type { FormatSettings } from "./scorers/format-validation.ts";
import type { KeywordSettings } from "./scorers/keyword-match.ts";
import type { SummarySettings } from "./scorers/summary-composite.ts";

/** The suite's five categories. */
export type TaskCategory = "knowledge" | "code" | "summarization" | "reasoning" | "instruction";

/** Each task names its scorer and carries that scorer's settings, so a task cannot pair one with another's. */
export type ScorerSpec =
  | { readonly kind: "keyword"; readonly settings: KeywordSettings }
  | { readonly kind: "code"; readonly settings: CodeStructureSettings }
  | { readonly kind: "summary"; readonly settings: SummarySettings }
  | { readonly kind: "format"; readonly settings: FormatSettings };

/** One task of the benchmark suite: a prompt, how its answer is scored, and the score that passes. */
export interface BenchmarkTaskDef {
  /** Stable id, `category-topic`; stored with every result. */
  readonly id: string;
  readonly title: string;
  readonly category: TaskCategory;
  /** The user message. */
  readonly prompt: string;
  /** The system message; "" for none. */
  readonly system: string;
  readonly scorer: ScorerSpec;
  /** A score at or above this (0 to 1) passes. */
  readonly passMark: number;
  /** The completion limit sent with the task: enough for a good answer, not for a runaway one. */
  readonly maxTokens: number;
}
