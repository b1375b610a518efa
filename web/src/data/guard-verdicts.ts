/** One guard verdict as the audit log stores it: `{rule, action}`. */
export interface GuardVerdict {
  readonly rule: string;
  readonly action: string;
}

/** The audit record's `guard` field (a JSON array), read defensively: bad input gives no verdicts. */
export function parseGuardVerdicts(stored: string): GuardVerdict[] {
  if (stored.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((v: unknown) => {
    if (typeof v !== "object" || v === null) return [];
    const { rule, action } = v as Record<string, unknown>;
    return typeof rule === "string" && typeof action === "string" ? [{ rule, action }] : [];
  });
}

/** A stored payload for reading: JSON indented, anything else as it is. */
export function prettyPayload(stored: string): string {
  try {
    return JSON.stringify(JSON.parse(stored), null, 2);
  } catch {
    return stored;
  }
}
