import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";

/** One file of the built dashboard, held in memory with its headers worked out once. */
export interface UiFile {
  readonly body: Buffer;
  /** The gzip of the body when that is smaller, for callers that accept it. */
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

/** The dashboard's files by their path under the UI's root (`index.html`, `main-HASH.js`). */
export type UiFiles = ReadonlyMap<string, UiFile>;

/** The web/dist folder of this package, where `npm run build:web` writes. */
export const DEFAULT_UI_DIR = new URL("../../web/dist/", import.meta.url).pathname;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** esbuild's `[name]-[hash]`: a file whose name carries its content hash never changes. */
const HASHED = /-[A-Z0-9]{8,}\.[a-z0-9.]+$/;

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/**
 * Reads the built dashboard into memory, once, at start-up: the files are
 * small, and no request then touches the disk. Returns undefined when the
 * folder or its index.html is missing (not built yet).
 */
export function loadUiFiles(dir: string): UiFiles | undefined {
  if (!existsSync(join(dir, "index.html"))) return undefined;
  const files = new Map<string, UiFile>();
  for (const name of listFiles(dir, "")) {
    const body = readFileSync(join(dir, name));
    const type = TYPES[extname(name)] ?? "application/octet-stream";
    const compressible =
      type.startsWith("text/") || type.startsWith("application/json") || type.includes("svg");
    const gzip = compressible && body.length > 1024 ? gzipSync(body, { level: 9 }) : undefined;
    files.set(name, {
      body,
      gzip: gzip !== undefined && gzip.length < body.length ? gzip : undefined,
      type,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
      cacheControl: HASHED.test(name) ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}

/** Every regular file under `dir`, as `/`-separated paths relative to it. */
function listFiles(root: string, prefix: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(join(root, prefix))) {
    const path = prefix === "" ? entry : `${prefix}/${entry}`;
    const stat = statSync(join(root, path));
    if (stat.isDirectory()) names.push(...listFiles(root, path));
    else if (stat.isFile()) names.push(path);
  }
  return names;
}
