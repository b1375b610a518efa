import { builtinModules } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * The SDK's browser entry (sdk/browser.ts) bundles for the browser with no
 * Node builtins: esbuild with platform=browser fails to resolve any `node:`
 * or builtin import, and the bundle's inputs hold neither connect-node nor
 * the Node transport. The Node entry, by contrast, needs Node.
 */

const SDK = join(import.meta.dirname, "..", "sdk");
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function bundle(entry: string) {
  return build({
    entryPoints: [join(SDK, entry)],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
}

describe("the SDK's browser entry", () => {
  it("bundles for platform=browser with no Node builtins and no Node transport", async () => {
    const result = await bundle("browser.ts");
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => /connect-node|node-transport/.test(i))).toEqual([]);
    expect(inputs.some((i) => i.includes("connect-web"))).toBe(true);
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => builtins.has(p))).toEqual([]);
    const code = result.outputFiles[0]?.text ?? "";
    expect(code).toMatch(/\bChatService\b/);
    expect(code).not.toMatch(/from\s*"node:/);
  });

  it("is what the Node entry needs Node for: the Node entry does not bundle for the browser", async () => {
    await expect(bundle("index.ts")).rejects.toThrow(/node:|http2|Could not resolve/);
  });
});
