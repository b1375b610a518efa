/**
 * The audit log's own small masker for `redact-pii` mode: it masks the
 * stored copy of a payload, never what goes upstream. It is deliberately
 * simple (the input guards are the thorough detectors): e-mail addresses,
 * runs of 13 to 19 digits that look like payment cards (spaces or dashes
 * allowed, no Luhn check, so it also masks some harmless long numbers), and
 * common secret formats. It runs on JSON text, so no pattern crosses a
 * quote or a backslash, and every replacement is JSON-safe.
 */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[^"]*?-----END [A-Z ]*PRIVATE KEY-----/g, "[REDACTED:PRIVATE_KEY]"],
  [/\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/g, "[REDACTED:JWT]"],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, "[REDACTED:AWS_KEY]"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, "[REDACTED:GITHUB_TOKEN]"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, "[REDACTED:SLACK_TOKEN]"],
  [/\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b/g, "[REDACTED:STRIPE_KEY]"],
  [/\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/g, "[REDACTED:API_KEY]"],
  [/\b[Bb]earer [A-Za-z0-9._~+/=-]{16,}/g, "Bearer [REDACTED:TOKEN]"],
  [/\b(password|passwd|secret|api[_-]?key|token)(\s*[:=]\s*)[^\s"\\,;]{4,}/gi, "$1$2[REDACTED:SECRET]"],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, "[REDACTED:EMAIL]"],
  [/\b\d(?:[ -]?\d){12,18}\b/g, "[REDACTED:CARD]"],
];

/** The text with e-mails, card-like numbers and secrets masked. */
export function maskPayload(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}
