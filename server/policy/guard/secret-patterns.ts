import { type Pattern, PatternSet } from "./pattern-set.ts";

/**
 * Credentials: key assignments, Bearer tokens, the key formats of the big
 * providers, PEM private keys and JWTs. One regex for the family; a match
 * that is masked covers the secret only, never the word `password` before it.
 */

/** `api_key = "..."`, `password: ...`, `secret=...`: the value is quoted, or unquoted and holding a digit (so `password: string` in code is not a secret). */
const ASSIGNMENT =
  "(?i:\\b(?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|client[_-]?secret|secret(?:[_-]?key)?|password|passwd|pwd)\\b)" +
  "[\"']?[ \\t]*[:=][ \\t]*" +
  "(?:\"[^\"\\s$<{*]{6,}\"|'[^'\\s$<{*]{6,}'|(?=[^\\s\"',;]*\\d)[^\\s\"',;$<{*][^\\s\"',;]{5,})";

/** The value of an assignment: after the separator, without its quotes. */
function assignmentValue(matched: string): readonly [number, number] {
  let start = matched.search(/[:=]/) + 1;
  while (matched[start] === " " || matched[start] === "\t") start++;
  let end = matched.length;
  if (matched[start] === '"' || matched[start] === "'") {
    start++;
    end--;
  }
  return [start, end];
}

/** `Bearer <token>`: the token only. */
function bearerToken(matched: string): readonly [number, number] {
  let start = "Bearer".length;
  while (matched[start] === " " || matched[start] === "\t") start++;
  return [start, matched.length];
}

/** A JWT's header must decode to a JSON object that names its `alg`. */
function jwtHeader(matched: string): readonly [number, number] | undefined {
  const dot = matched.indexOf(".");
  try {
    const header: unknown = JSON.parse(Buffer.from(matched.slice(0, dot), "base64url").toString("utf8"));
    if (typeof header === "object" && header !== null && "alg" in header) return [0, matched.length];
  } catch {
    // not JSON: not a JWT
  }
  return undefined;
}

const PATTERNS: readonly Pattern[] = [
  {
    type: "private_key",
    source: "-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:[\\s\\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----)?",
  },
  {
    type: "jwt",
    source: "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}",
    span: jwtHeader,
  },
  { type: "aws_access_key", source: "\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b" },
  { type: "github_token", source: "\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\\b" },
  { type: "slack_token", source: "\\bxox[baprs]-[A-Za-z0-9-]{10,255}" },
  { type: "stripe_key", source: "\\b[sr]k_live_[A-Za-z0-9]{16,255}\\b" },
  { type: "anthropic_key", source: "\\bsk-ant-[A-Za-z0-9_-]{20,255}" },
  // OpenAI keys are random, so they hold a digit; a long hyphenated word after `sk-` does not.
  { type: "openai_key", source: "\\bsk-(?:proj-)?(?=[A-Za-z0-9_-]{0,255}\\d)[A-Za-z0-9_-]{20,255}" },
  { type: "bearer_token", source: "\\bBearer[ \\t]+[A-Za-z0-9._~+/-]{20,}=*", span: bearerToken },
  { type: "secret_assignment", source: ASSIGNMENT, span: assignmentValue },
];

/** The secrets family as one detector. */
export function secretDetector(): PatternSet {
  return new PatternSet("secrets", PATTERNS);
}
