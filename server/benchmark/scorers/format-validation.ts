import { normalized, unfenced, withoutEmphasis } from "./answer-text.ts";

export type JsonType = "string" | "number" | "boolean" | "array" | "object";

/** What the format scorer checks: an exact answer, a JSON object, or a numbered list. */
export type FormatSettings =
  | {
      readonly kind: "exact";
      readonly answer: string;
      /** Other spellings that are as right (`$26`). */
      readonly aliases?: readonly string[];
    }
  | {
      readonly kind: "json";
      /** Keys the object must have, each with its JSON type. */
      readonly keys: Readonly<Record<string, JsonType>>;
    }
  | {
      readonly kind: "numbered-list";
      /** Exactly this many items, numbered 1 to N. */
      readonly items: number;
      /** When set, each item must be one of these (compared exactly, case-insensitively) and distinct. */
      readonly allowed?: readonly string[];
    };

/**
 * Exact or format validation: 0 to 1.
 * - exact: 1 when the answer, stripped of markdown, quotes, an `Answer:`
 *   prefix and closing punctuation, is the answer or an alias; else 0.
 * - json: 0 unless the whole answer (one fence allowed) parses as a JSON
 *   object; then 0.3, plus 0.7 × the share of required keys of the right type.
 * - numbered-list: 0.5 when the answer is exactly N items numbered 1..N in
 *   order, plus 0.5 × the share of N distinct allowed items (or 0.5 more
 *   for the numbering alone when nothing is required of the items).
 */
export function formatValidation(answer: string, settings: FormatSettings): number {
  const text = normalized(answer);
  switch (settings.kind) {
    case "exact":
      return exactMatch(text, settings.answer, settings.aliases ?? []) ? 1 : 0;
    case "json":
      return jsonShape(text, settings.keys);
    case "numbered-list":
      return numberedList(text, settings.items, settings.allowed);
  }
}

/** The answer as an exact value: no markdown, quotes, `Answer:` prefix, closing punctuation or extra spaces. */
export function bareAnswer(text: string): string {
  return withoutEmphasis(unfenced(text))
    .trim()
    .replace(/^(the\s+)?(final\s+)?answer\s*(is|:)\s*/i, "")
    .replace(/[.!。]+$/, "")
    .replace(/^["'“‘«]+|["'”’»]+$/g, "")
    .replace(/[.!。]+$/, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
}

function exactMatch(text: string, answer: string, aliases: readonly string[]): boolean {
  const got = bareAnswer(text);
  return got !== "" && [answer, ...aliases].some((a) => bareAnswer(a.normalize("NFKC")) === got);
}

function jsonShape(text: string, keys: Readonly<Record<string, JsonType>>): number {
  let value: unknown;
  try {
    value = JSON.parse(unfenced(text));
  } catch {
    return 0;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return 0;
  const wanted = Object.entries(keys);
  if (wanted.length === 0) return 1;
  const object = value as Record<string, unknown>;
  const right = wanted.filter(([key, type]) => Object.hasOwn(object, key) && jsonType(object[key]) === type);
  return right.length === wanted.length ? 1 : 0.3 + (0.7 * right.length) / wanted.length;
}

function jsonType(value: unknown): JsonType | "null" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as JsonType;
}

function numberedList(text: string, items: number, allowed: readonly string[] | undefined): number {
  const lines = unfenced(text)
    .split("\n")
    .filter((l) => l.trim() !== "");
  const entries = lines.map((l) => /^\s*(\d+)[.)]\s+(.+?)\s*$/.exec(withoutEmphasis(l)));
  const numbered =
    entries.length === items && entries.every((m, i) => m !== null && Number(m[1]) === i + 1) ? 0.5 : 0;
  if (allowed === undefined) return numbered * 2;
  const valid = new Set(allowed.map((a) => a.toLowerCase()));
  const seen = new Set<string>();
  for (const m of entries) {
    const item = bareAnswer(m?.[2] ?? "");
    if (valid.has(item)) seen.add(item);
  }
  return numbered + (0.5 * Math.min(seen.size, items)) / items;
}
