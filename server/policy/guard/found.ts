import type { Detector, GuardMatch } from "./guard-match.ts";

/** What a detector finds in a string, as [type, matched text] pairs: for golden tests and the bench, not the hot path. */
export function found(detector: Detector, text: string): Array<[string, string]> {
  const out: GuardMatch[] = [];
  detector.scan(text, out);
  return out.map((m) => [m.type, text.slice(m.start, m.end)]);
}
