import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { semiSpaceCapMiB } from "./old-generation.ts";

const MODULE = new URL("./old-generation.ts", import.meta.url).pathname;

/** The old generation's limit in MiB, as a child Node started with `flags` (and NODE_OPTIONS) computes it. */
function limitMiB(flags: string[], nodeOptions = ""): number {
  const script = `import("${MODULE}").then((m) => {
    const old = m.oldGeneration(m.semiSpaceCapMiB(process.execArgv, process.env.NODE_OPTIONS));
    process.stdout.write(String(old.limit / 2 ** 20));
  })`;
  return Number(
    execFileSync(process.execPath, [...flags, "-e", script], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: nodeOptions },
    }),
  );
}

describe("the old generation's limit", () => {
  it("reads the semi-space cap from the command line over NODE_OPTIONS, in either spelling", () => {
    expect(semiSpaceCapMiB([], undefined)).toBe(64);
    expect(semiSpaceCapMiB(["--max-semi-space-size=32"], undefined)).toBe(32);
    expect(semiSpaceCapMiB(["--max_semi_space_size=8"], "--max-semi-space-size=32")).toBe(8);
    expect(semiSpaceCapMiB([], "--max-old-space-size=512 --max-semi-space-size=16")).toBe(16);
    expect(semiSpaceCapMiB(["--max-semi-space-size", "4"], undefined)).toBe(4);
    expect(semiSpaceCapMiB(["--max-semi-space-size=x"], undefined)).toBe(64);
  });

  it("is exactly --max-old-space-size, however the young generation is sized", () => {
    expect(limitMiB(["--max-semi-space-size=32", "--max-old-space-size=512"])).toBe(512);
    expect(limitMiB(["--max-semi-space-size=16", "--max-old-space-size=1024"])).toBe(1024);
    expect(limitMiB(["--max-old-space-size=512"])).toBe(512);
    expect(limitMiB([], "--max-semi-space-size=32 --max-old-space-size=768")).toBe(768);
  });
});
