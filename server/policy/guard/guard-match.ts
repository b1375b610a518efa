/** The rule families the input guards know. A custom rule is its own family, named in config. */
export type GuardFamily = "secrets" | "injection" | "pii" | "custom";

/**
 * One match of a detector in one string: which rule, what kind, and where.
 * It never holds the matched text, so nothing that reads a verdict can leak it.
 */
export interface GuardMatch {
  /** The rule that matched: `secrets`, `injection`, `pii`, or a custom rule's name. */
  readonly rule: string;
  /** The kind within the rule (`aws_access_key`, `email`, `phrase`); a custom rule repeats its name. */
  readonly type: string;
  /** Offsets in the scanned string, end exclusive. */
  readonly start: number;
  readonly end: number;
}

/** A detector appends its matches in one pass; it allocates nothing for a string that has none. */
export interface Detector {
  scan(text: string, out: GuardMatch[]): void;
}
