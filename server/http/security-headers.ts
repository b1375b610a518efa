import type { ServerResponse } from "node:http";
import { API_CSP, type SecurityHeadersConfig, UI_CSP } from "../config/security-headers-schema.ts";

/** Helmet's defaults that do not depend on the path, with `frame-ancestors 'none'`'s legacy twin. */
const COMMON: ReadonlyArray<readonly [string, string]> = [
  ["x-content-type-options", "nosniff"],
  ["referrer-policy", "no-referrer"],
  ["x-frame-options", "DENY"],
  // Cross-origin isolation of browsing contexts and resources. CORP is only checked for no-cors
  // fetches, so the CORS callers (gRPC-Web, Connect, REST from another origin) are not affected.
  ["cross-origin-opener-policy", "same-origin"],
  ["cross-origin-resource-policy", "same-origin"],
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
 * per CSP path prefix, longest prefix first. Per response this is a prefix
 * scan over a handful of strings and one `setHeader` per header, nothing
 * allocated. Returns undefined when the headers are off.
 */
export function securityHeaders(config: SecurityHeadersConfig, tls: boolean): SecurityHeaders | undefined {
  if (!config.enabled) return undefined;
  const common: Array<readonly [string, string]> = [...COMMON];
  if (tls && config.hsts_max_age_s > 0)
    common.push(["strict-transport-security", `max-age=${config.hsts_max_age_s}; includeSubDomains`]);
  const policies: Record<string, string> = { "/": API_CSP, "/ui": UI_CSP, ...config.csp };
  const table: Array<{ prefix: string; headers: HeaderList }> = Object.entries(policies)
    .map(([prefix, csp]) => ({
      prefix: prefix.length > 1 && prefix.endsWith("/") ? prefix.slice(0, -1) : prefix,
      headers: [...common, ["content-security-policy", csp] as const],
    }))
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
