import { phraseSource } from "./injection-patterns.ts";
import { type Pattern, PatternSet } from "./pattern-set.ts";

/** A custom rule as config gives it: a regex, or a list of words and phrases. */
export interface CustomRuleSource {
  readonly name: string;
  readonly regex?: string | undefined;
  readonly words?: readonly string[] | undefined;
  readonly case_sensitive?: boolean | undefined;
}

/** A custom rule's pattern: its regex, or its words as whole-word alternatives. */
export function customPattern(rule: CustomRuleSource): Pattern {
  const source = rule.regex ?? (rule.words ?? []).map((w) => phraseSource(w)).join("|");
  return { type: rule.name, rule: rule.name, source: source === "" ? "(?!)" : source };
}

/**
 * Custom rules of one case-sensitivity as one detector. Rules of different
 * actions or places still share it; the policy picks by rule name.
 */
export function customDetector(rules: readonly CustomRuleSource[], caseSensitive: boolean): PatternSet {
  return new PatternSet("custom", rules.map(customPattern), caseSensitive ? "" : "i");
}
