import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";

const MIB = 2 ** 20;

/** V8's own cap on a semi-space on 64-bit, MiB, when no flag sets one (Node 24). */
const DEFAULT_SEMI_SPACE_MIB = 64;

/** `--max-semi-space-size=N` (V8 also spells it with underscores). */
const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size(?:=(\d+))?$/;

/**
 * The semi-space cap the process runs with, MiB: the last `--max-semi-space-size`
 * on the command line, else in `NODE_OPTIONS` (the command line wins), else
 * V8's default. A default that is lower on a small machine only makes the
 * old generation's limit below look smaller than it is, so the guard sheds early, never late.
 */
export function semiSpaceCapMiB(execArgv: readonly string[], nodeOptions: string | undefined): number {
  return (
    lastSemiSpaceFlag(execArgv) ??
    lastSemiSpaceFlag((nodeOptions ?? "").split(/\s+/)) ??
    DEFAULT_SEMI_SPACE_MIB
  );
}

function lastSemiSpaceFlag(args: readonly string[]): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const match = SEMI_SPACE_FLAG.exec(args[i] as string);
    if (match === null) continue;
    const value = Number(match[1] ?? args[i + 1]);
    if (Number.isInteger(value) && value > 0) found = value;
  }
  return found;
}

/** The old generation's use and limit, bytes: what runs out when V8 fails with "heap out of memory". */
export interface OldGeneration {
  readonly used: number;
  readonly limit: number;
}

/**
 * V8's heap limit is the old generation's limit (`--max-old-space-size`) plus
 * the young generation's reserve, three semi-spaces (two, and the young
 * large-object space). With small limits the reserve is a large part of the
 * whole: at `--max-old-space-size=512` and 32 MiB semi-spaces, 90 % of the
 * whole limit is more than the old generation holds, so a ratio of the
 * whole would never shed before V8 fails. This compares like with like.
 */
export function oldGeneration(semiSpaceMiB: number): OldGeneration {
  const heap = getHeapStatistics();
  let young = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === "new_space" || space.space_name === "new_large_object_space")
      young += space.space_used_size;
  }
  return {
    used: heap.used_heap_size - young,
    limit: heap.heap_size_limit - 3 * semiSpaceMiB * MIB,
  };
}
