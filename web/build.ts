/// <reference types="node" />
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The dashboard's entry and the default output folder, beside this file. */
const HERE = dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = join(HERE, "dist");

/** What a build wrote: the hashed file names index.html references. */
export interface WebBuild {
  readonly outDir: string;
  readonly script: string;
  readonly style: string | undefined;
}

/**
 * Bundles web/src/main.tsx with esbuild into `outDir` under hashed names
 * (`main-HASH.js`, `main-HASH.css`, their source maps) and writes an
 * index.html that loads them by relative URL. No inline script or style: the
 * UI's CSP is `script-src 'self'; style-src 'self'`. The folder is emptied
 * first, so stale hashed files never pile up.
 */
export async function buildWeb(outDir: string = WEB_DIST): Promise<WebBuild> {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [join(HERE, "src", "main.tsx")],
    outdir: out,
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: true,
    metafile: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const script = outputs.find((name) => name.startsWith("main-") && name.endsWith(".js"));
  const style = outputs.find((name) => name.startsWith("main-") && name.endsWith(".css"));
  if (script === undefined) throw new Error("esbuild wrote no main-*.js");
  // Static files (the favicon) are copied as they are.
  cpSync(join(HERE, "public"), out, { recursive: true });
  writeFileSync(join(out, "index.html"), indexHtml(script, style));
  return { outDir: out, script, style };
}

/** The one page: relative URLs, so it works under whatever path the gateway serves it. */
function indexHtml(script: string, style: string | undefined): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    "<title>LLMGW dashboard</title>",
    '<link rel="icon" href="./favicon.svg" type="image/svg+xml">',
    style === undefined ? "" : `<link rel="stylesheet" href="./${style}">`,
    `<script type="module" src="./${script}"></script>`,
    "</head>",
    "<body>",
    '<div id="app"></div>',
    "<noscript>The LLMGW dashboard needs JavaScript.</noscript>",
    "</body>",
    "</html>",
    "",
  ]
    .filter((line) => line !== "")
    .join("\n");
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildWeb(process.argv[2] ?? WEB_DIST);
  console.log(`web: built ${built.script}${built.style ? ` and ${built.style}` : ""} into ${built.outDir}`);
}
