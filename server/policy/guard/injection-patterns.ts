import { type Pattern, PatternSet } from "./pattern-set.ts";

/**
 * Prompt injection: the phrases that try to take over a model, and the
 * chat-template control tokens that try to open a new turn. Tool results
 * are the risky path (a web page or a file the agent read); config decides
 * where the family applies.
 */
const PATTERNS: readonly Pattern[] = [
  {
    type: "ignore_instructions",
    source:
      "\\b(?:ignore|disregard|forget)\\s+(?:all\\s+)?(?:of\\s+)?(?:the\\s+|your\\s+|any\\s+)?(?:previous|prior|above|earlier)\\s+(?:instructions|prompts?|directions|rules)\\b",
  },
  { type: "important_override", source: "\\bIMPORTANT\\s*:\\s*(?:ignore|forget|disregard)\\b" },
  { type: "role_override", source: "\\byou\\s+are\\s+now\\s+(?:a|an)\\s+\\w" },
  {
    type: "control_token",
    source:
      "\\[/?INST\\]|<</?SYS>>|<\\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\\|>",
  },
];

/** A config phrase as a regex source: literal, any run of whitespace matches any other, whole words at its ends. */
export function phraseSource(phrase: string): string {
  const words = phrase
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"));
  const body = words.join("\\s+");
  const first = /^\w/.test(phrase.trim()) ? "\\b" : "";
  const last = /\w$/.test(phrase.trim()) ? "\\b" : "";
  return `${first}${body}${last}`;
}

/** The injection family as one case-insensitive detector, with the config's extra phrases. */
export function injectionDetector(phrases: readonly string[] = []): PatternSet {
  const extra = phrases.map((p): Pattern => ({ type: "phrase", source: phraseSource(p) }));
  return new PatternSet("injection", [...PATTERNS, ...extra], "i");
}
