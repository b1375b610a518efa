/**
 * The optional fourth target: `BENCH_BASELINE=DIR` names another checkout of this repository (a
 * `git worktree` of an older commit, say, with its own `node_modules`), whose gateway runs beside the
 * current one in the same interleaved slices. The "costs nothing measurable" can only be judged
 * against the build before the change, in one run, since figures from different runs move with the machine.
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Baseline } from "./report.ts";

/** Reads `BENCH_BASELINE`; throws a clear error when it names no checkout that could start a gateway. */
export function baselineFromEnv(raw: string | undefined): Baseline | undefined {
  if (raw === undefined || raw === "") return undefined;
  const dir = resolve(raw);
  for (const needed of ["server/cli.ts", "node_modules"]) {
    if (!existsSync(join(dir, needed))) {
      throw new Error(
        `BENCH_BASELINE=${raw}: ${join(dir, needed)} is missing; it must be a checkout of this repository ` +
          "with its own node_modules (see bench/README.md)",
      );
    }
  }
  return { dir, commit: shortCommit(dir) };
}

/** The checkout's commit, or undefined when it is not a git checkout (an extracted `git archive`). */
function shortCommit(dir: string): string | undefined {
  try {
    const out = execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}
