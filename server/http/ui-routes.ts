import type { IncomingMessage, ServerResponse } from "node:http";
import { isPlainTarget } from "./request-target.ts";
import type { UiFile, UiFiles } from "./ui-files.ts";

/** Answers a request under the UI's path; false when the path is not the UI's, for the API routes. */
export type UiRoutes = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

const NOT_BUILT =
  "The LLMGW dashboard is not built. Run `npm run build:web` (npm install does it too), then restart the gateway.\n";

/**
 * The dashboard's routes under `prefix` (e.g. `/ui`), from files held in
 * memory (ui-files.ts), or a 503 that says how to build them. The API pays a
 * `startsWith` for it. `/ui` redirects to `/ui/` (index.html loads its assets
 * by relative URL); a known file is served with its ETag and cache headers;
 * any other path without an extension is a client-side route and gets
 * index.html; a missing asset or a confusing target (dot segments, `//`) is a
 * 404. Nothing is read from disk, so no target can reach outside the files.
 */
export function uiRoutes(prefix: string, files: UiFiles | undefined): UiRoutes {
  const index = files?.get("index.html");
  return (req, res, path) => {
    if (!path.startsWith(prefix)) return false;
    const query = path.indexOf("?");
    const pathname = query === -1 ? path : path.slice(0, query);
    if (pathname.length > prefix.length && pathname.charCodeAt(prefix.length) !== 47) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      plain(res, 405, "The dashboard answers GET and HEAD only.\n");
      return true;
    }
    if (pathname.length === prefix.length) {
      res.setHeader("location", `${prefix}/${query === -1 ? "" : path.slice(query)}`);
      plain(res, 308, "The dashboard is at its path with a trailing '/'.\n");
      return true;
    }
    if (files === undefined || index === undefined) {
      res.setHeader("cache-control", "no-store");
      plain(res, 503, NOT_BUILT);
      return true;
    }
    const name = pathname.slice(prefix.length + 1);
    if (name !== "" && !isPlainTarget(path)) {
      plain(res, 404, "Not found.\n");
      return true;
    }
    const file = name === "" ? index : files.get(safeDecode(name));
    if (file !== undefined) send(req, res, file);
    else if (/\.[A-Za-z0-9]+$/.test(name)) plain(res, 404, "Not found.\n");
    else send(req, res, index);
    return true;
  };
}

function send(req: IncomingMessage, res: ServerResponse, file: UiFile): void {
  res.setHeader("content-type", file.type);
  res.setHeader("cache-control", file.cacheControl);
  res.setHeader("etag", file.etag);
  if (file.gzip !== undefined) res.setHeader("vary", "accept-encoding");
  if (matches(req.headers["if-none-match"], file.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const gzip = file.gzip !== undefined && acceptsGzip(req.headers["accept-encoding"]);
  const body = gzip ? (file.gzip as Buffer) : file.body;
  if (gzip) res.setHeader("content-encoding", "gzip");
  res.setHeader("content-length", body.length);
  res.statusCode = 200;
  res.end(req.method === "HEAD" ? undefined : body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

/** `If-None-Match` may list several tags, or `*`. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(",") : header;
  return value !== undefined && /\bgzip\b(?!;q=0(?:\.0*)?\b)/.test(value);
}

function safeDecode(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
