import type { ServerResponse } from "node:http";
import { API_CSP, type SecurityHeadersConfig, UI_CSP } from "../config/security-headers-schema.ts";

/**
 * Helmet's headers that mean something on any answer, a JSON body or a gRPC
 * frame included: no MIME sniffing, no referrer, no no-cors reads from other
 * origins. The CSP (per path) and HSTS (under TLS) join them.
 */
const EVERY_ANSWER: ReadonlyArray<readonly [string, string]> = [
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "no-referrer"],
  // CORP is only checked for no-cors fetches, so the CORS callers (gRPC-Web, Connect, REST from
  // another origin) are not affected.
  ["cross-origin-resource-policy", "same-origin"],
];

/**
 * Helmet's headers that only a browser rendering an HTML document reads:
 * framing (the legacy twin of `frame-ancestors`), the opener's browsing
 * context, agent clusters, DNS prefetch, IE's download and XSS filters, and
 * Flash/PDF cross-domain policies. Sent only on document paths: `/ui` and any
 * prefix that config gives a CSP of its own.
 */
const DOCUMENT_ONLY: ReadonlyArray<readonly [string, string]> = [
  ["x-frame-options", "DENY"],
  ["cross-origin-opener-policy", "same-origin"],
  ["origin-agent-cluster", "?1"],
  ["x-dns-prefetch-control", "off"],
  ["x-download-options", "noopen"],
  ["x-permitted-cross-domain-policies", "none"],
  ["x-xss-protection", "0"],
];

type HeaderList = ReadonlyArray<readonly [string, string]>;

/** Sets the security headers for a request path on a response that has not started. */
export type SecurityHeaders = (res: ServerResponse, path: string) => void;

/**
 * Builds the security headers once, from config: one precomputed header list
 * per CSP path prefix, longest prefix first. `/` (the API) gets the headers
 * every answer needs and its CSP; every other prefix is a document path and
 * gets Helmet's document headers too. Per response this is a prefix scan over
 * a handful of strings and one `setHeader` per header, nothing allocated.
 * Returns undefined when the headers are off.
 */
export function securityHeaders(config: SecurityHeadersConfig, tls: boolean): SecurityHeaders | undefined {
  if (!config.enabled) return undefined;
  const common: Array<readonly [string, string]> = [...EVERY_ANSWER];
  if (tls && config.hsts_max_age_s > 0)
    common.push(["strict-transport-security", `max-age=${config.hsts_max_age_s}; includeSubDomains`]);
  const policies: Record<string, string> = { "/": API_CSP, "/ui": UI_CSP, ...config.csp };
  const table: Array<{ prefix: string; headers: HeaderList }> = Object.entries(policies)
    .map(([path, csp]) => {
      const prefix = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
      const document = prefix === "/" ? [] : DOCUMENT_ONLY;
      return { prefix, headers: [...common, ...document, ["content-security-policy", csp] as const] };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const fallback = table.find((entry) => entry.prefix === "/")?.headers ?? common;
  return (res, path) => {
    let headers = fallback;
    for (const entry of table) {
      if (covers(entry.prefix, path)) {
        headers = entry.headers;
        break;
      }
    }
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}

/** `/ui` covers `/ui`, `/ui/`, `/ui/app.js` and `/ui?x`, not `/uix`. */
function covers(prefix: string, path: string): boolean {
  if (prefix === "/") return true;
  if (!path.startsWith(prefix)) return false;
  const next = path.charCodeAt(prefix.length);
  // End of path, '/', '?' or '#'.
  return Number.isNaN(next) || next === 47 || next === 63 || next === 35;
}
