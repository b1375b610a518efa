import { escapeRegExp, fencedBlocks, hasAny, normalized } from "./answer-text.ts";

/** What the code scorer looks for. */
export interface CodeStructureSettings {
  /** Names the code must define or use (`fizzbuzz`, `Node`); the part is the share present. */
  readonly identifiers: readonly string[];
  /** Constructs it must contain, each as alternatives (`["for", "while"]`, `["%"]`); the share present. */
  readonly constructs: readonly (readonly string[])[];
}

/** How much each part counts; they sum to 1. */
const WELL_FORMED = 0.2;
const IDENTIFIERS = 0.4;
const CONSTRUCTS = 0.4;

/**
 * Contains plus structure, for code: 0 to 1. The code is the answer's fenced
 * blocks, or the whole answer when it has no fence but reads as code; prose
 * with no code scores 0. Then: balanced brackets (outside strings and
 * comments), the share of expected identifiers, and the share of expected
 * constructs.
 */
export function codeStructure(answer: string, settings: CodeStructureSettings): number {
  const code = extractCode(normalized(answer));
  if (code === "") return 0;
  const identifiers =
    settings.identifiers.length === 0
      ? 1
      : settings.identifiers.filter((name) => hasIdentifier(code, name)).length / settings.identifiers.length;
  const constructs =
    settings.constructs.length === 0
      ? 1
      : settings.constructs.filter((c) => hasAny(code, c)).length / settings.constructs.length;
  return (balanced(code) ? WELL_FORMED : 0) + IDENTIFIERS * identifiers + CONSTRUCTS * constructs;
}

/** The fenced blocks joined, or the bare answer when it reads as code; "" when there is none. */
export function extractCode(text: string): string {
  const blocks = fencedBlocks(text).filter((b) => b.trim() !== "");
  if (blocks.length > 0) return blocks.join("\n");
  const lines = text.split("\n");
  const codeLike = lines.filter((l) =>
    /^\s*(def |class |function |return\b|for |while |if |const |let |import |public |#include)|[{};]\s*$|^\s{2,}\S/.test(
      l,
    ),
  ).length;
  return codeLike >= 2 && codeLike * 2 >= lines.filter((l) => l.trim() !== "").length ? text : "";
}

/** An identifier is case-sensitive, as in code: `node` is not `Node`. */
function hasIdentifier(code: string, name: string): boolean {
  return new RegExp(`(?<![\\w])${escapeRegExp(name)}(?![\\w])`).test(code);
}

const CLOSERS: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{" };

/** Whether every bracket closes in order, skipping string literals and line comments. */
export function balanced(code: string): boolean {
  const open: string[] = [];
  let i = 0;
  while (i < code.length) {
    const c = code[i] as string;
    const triple = code.slice(i, i + 3);
    if (triple === '"""' || triple === "'''") {
      const end = code.indexOf(triple, i + 3);
      if (end < 0) return false;
      i = end + 3;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < code.length && code[j] !== c && code[j] !== "\n") j += code[j] === "\\" ? 2 : 1;
      if (code[j] !== c) return false;
      i = j + 1;
      continue;
    }
    if (c === "#" || (c === "/" && code[i + 1] === "/")) {
      const end = code.indexOf("\n", i);
      i = end < 0 ? code.length : end;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") open.push(c);
    else if (c in CLOSERS && open.pop() !== CLOSERS[c]) return false;
    i++;
  }
  return open.length === 0;
}
