import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");
const SDK = join(ROOT, "sdk");

interface PackedFile {
  readonly path: string;
}

/** Every file an `exports` entry points at, conditions and all. */
function exportTargets(entry: unknown): string[] {
  if (typeof entry === "string") return [entry.replace(/^\.\//, "")];
  if (typeof entry !== "object" || entry === null) return [];
  return Object.values(entry).flatMap(exportTargets);
}

// One file, run in order: the build, then the pack of what it built.
describe("the SDK package", () => {
  let gw: TestGateway;
  useTestGateway({}, (started) => {
    gw = started;
  });

  it("builds to plain JavaScript with types, which Node runs without type stripping", async () => {
    await run("npm", ["run", "build:sdk"], { cwd: ROOT });
    // A separate Node process with type stripping off loads only the built JavaScript.
    const script = `
      const { createLlmgwClient, createNodeTransport, userMessage } = await import("./sdk/dist/sdk/index.js");
      const llmgw = createLlmgwClient(createNodeTransport({ baseUrl: ${JSON.stringify(gw.url)} }));
      const reply = await llmgw.chat.complete({ chat: { model: "mock-small", messages: [userMessage("hi")] } });
      console.log(JSON.stringify({ provider: reply.gateway.provider, tokens: reply.usage.completionTokens }));
    `;
    const { stdout } = await run(process.execPath, [
      "--no-experimental-strip-types",
      "--input-type=module",
      "-e",
      script,
    ]);
    expect(JSON.parse(stdout)).toEqual({ provider: "mock", tokens: 16 });
  });

  it("packs every file its exports and their imports need, and nothing of the sources", async () => {
    const out = mkdtempSync(join(tmpdir(), "llmgw-sdk-pack-"));
    const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out], {
      cwd: SDK,
    });
    const [packed] = JSON.parse(stdout) as Array<{ name: string; filename: string; files: PackedFile[] }>;
    const files = new Set(packed?.files.map((f) => f.path));
    const manifest = JSON.parse(readFileSync(join(SDK, "package.json"), "utf8")) as {
      exports: unknown;
      types: string;
    };
    for (const target of [...exportTargets(manifest.exports), manifest.types.replace(/^\.\//, "")]) {
      expect(files, target).toContain(target);
    }
    expect(files).toContain("README.md");
    // Each relative import of each packed module (and its types) is packed too.
    for (const file of files) {
      if (!file.endsWith(".js") && !file.endsWith(".d.ts")) continue;
      const text = readFileSync(join(SDK, file), "utf8");
      for (const [, spec] of text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
        const target = normalize(join(dirname(file), spec as string));
        // Declarations name their siblings as sources (`./client.ts`); TypeScript reads `./client.d.ts`.
        const candidates = file.endsWith(".d.ts") ? [target, target.replace(/\.[jt]s$/, ".d.ts")] : [target];
        expect(
          candidates.some((c) => files.has(c)),
          `${file} imports ${spec}`,
        ).toBe(true);
      }
    }
    expect([...files].filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);

    // A fresh project with the tarball installed as npm would lay it out, and the peers beside it.
    const project = mkdtempSync(join(tmpdir(), "llmgw-sdk-app-"));
    const modules = join(project, "node_modules");
    mkdirSync(join(modules, "@llmgw", "sdk"), { recursive: true });
    await run("tar", [
      "-xzf",
      join(out, packed?.filename ?? ""),
      "-C",
      join(modules, "@llmgw", "sdk"),
      "--strip-components=1",
    ]);
    for (const scope of ["@bufbuild", "@connectrpc", "@types"]) {
      symlinkSync(join(ROOT, "node_modules", scope), join(modules, scope), "dir");
    }
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module" }),
    );
    writeFileSync(
      join(project, "main.js"),
      `import { createLlmgwClient, createNodeTransport, completeText, userMessage } from "@llmgw/sdk";
       const llmgw = createLlmgwClient(createNodeTransport({ baseUrl: process.argv[2], protocol: "connect" }));
       console.log(await completeText(llmgw, { model: "mock-small", messages: [userMessage("hi")] }));`,
    );
    const app = await run(process.execPath, ["--no-experimental-strip-types", "main.js", gw.url], {
      cwd: project,
    });
    expect(app.stdout).toMatch(/^lorem ipsum/);

    // Its types check in a strict TypeScript project: a wrong type is an error, a right one is not.
    writeFileSync(
      join(project, "typed.ts"),
      `import { createLlmgwClient, createNodeTransport, getUsage, streamChatText, userMessage } from "@llmgw/sdk";
       const llmgw = createLlmgwClient(createNodeTransport({ baseUrl: "http://127.0.0.1:1" }));
       const rows = await getUsage(llmgw, { model: "m" });
       const requests: number = rows[0]?.requests ?? 0;
       for await (const text of streamChatText(llmgw, { model: "m", messages: [userMessage("x")] })) text satisfies string;
       // @ts-expect-error requests is a number
       const wrong: string = rows[0]?.requests ?? 0;
       export { requests, wrong };`,
    );
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          target: "es2024",
          strict: true,
          noEmit: true,
          types: ["node"],
        },
        files: ["typed.ts"],
      }),
    );
    await run(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: project });

    // A bundler targeting the browser picks the `browser` condition: no Node transport, no Node builtins.
    writeFileSync(
      join(project, "web.js"),
      `import { createLlmgwClient, createWebTransport } from "@llmgw/sdk";
       export const llmgw = createLlmgwClient(createWebTransport({ baseUrl: location.origin }));`,
    );
    const bundle = await build({
      absWorkingDir: project,
      entryPoints: ["web.js"],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs.some((i) => i.endsWith("dist/sdk/browser.js"))).toBe(true);
    expect(inputs.filter((i) => /node-transport|connect-node/.test(i))).toEqual([]);
  });
});
