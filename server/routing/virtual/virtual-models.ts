import type { Complexity } from "./complexity.ts";
import type { ProfileName } from "./scores.ts";

/** The virtual model names, each with its scoring profile; `auto`'s depends on the prompt. */
const FIXED: Readonly<Record<string, ProfileName | "by-complexity">> = {
  auto: "by-complexity",
  fast: "latency",
  cheap: "cost",
  quality: "quality",
};

/** What `auto` uses for each complexity: the cheapest that will do, the best when it matters. */
const AUTO: Readonly<Record<Complexity, ProfileName>> = {
  simple: "cost",
  medium: "balanced",
  complex: "quality",
};

/** Whether a name is one of the virtual models. */
export function isVirtualModel(name: string): boolean {
  return Object.hasOwn(FIXED, name);
}

/** Whether the virtual model needs the prompt's complexity to pick its profile. */
export function needsComplexity(name: string): boolean {
  return FIXED[name] === "by-complexity";
}

/** The scoring profile of a virtual model; `complexity` only matters to `auto`. */
export function profileFor(name: string, complexity: Complexity): ProfileName {
  const fixed = FIXED[name];
  return fixed === undefined || fixed === "by-complexity" ? AUTO[complexity] : fixed;
}
