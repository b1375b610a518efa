import type { GuardMatch } from "../guard/guard-match.ts";
import { piiDetector } from "../guard/pii-patterns.ts";
import { Redactor } from "../guard/redactor.ts";
import { secretDetector } from "../guard/secret-patterns.ts";

/** The input guards' own detectors, every PII type and every secret format: one scan each per string. */
const DETECTORS = [secretDetector(), piiDetector()];

/**
 * The stored copy of a payload for `redact-pii` mode, masked with the input
 * guards' detectors (the same rules, checksums included) and placeholders
 * (`[REDACTED:EMAIL_1]`, one per value within the payload); never what goes
 * upstream. A JSON payload is masked string by string (keys too) and written again, so
 * a mask never breaks an escape; any other text (a pass-through answer's
 * bytes) is masked as it is.
 */
export function maskPayload(text: string): string {
  if (text === "") return text;
  const redactor = new Redactor();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return maskText(text, redactor);
  }
  return JSON.stringify(maskValue(json, redactor));
}

function maskValue(value: unknown, redactor: Redactor): unknown {
  if (typeof value === "string") return maskText(value, redactor);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, redactor));
  if (typeof value === "object" && value !== null) {
    // Keys are masked too (a map keyed by e-mail). No prototype, so a `__proto__` key stays a key.
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) out[maskText(k, redactor)] = maskValue(v, redactor);
    return out;
  }
  return value;
}

function maskText(text: string, redactor: Redactor): string {
  const matches: GuardMatch[] = [];
  for (const detector of DETECTORS) detector.scan(text, matches);
  return matches.length === 0 ? text : redactor.apply(text, matches);
}
