import type { IncomingHttpHeaders } from "node:http";

/**
 * The headers a pass-through forwards, each way. Everything else stays
 * behind: the caller's gateway key, cookies, proxies' `x-forwarded-*`, and
 * `accept-encoding` (so the upstream answers uncompressed and the usage can
 * be read as it passes).
 */

/** Caller → upstream: what the APIs and their SDKs send that changes what the upstream does. */
const REQUEST_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "accept",
  "user-agent",
  "anthropic-version",
  "anthropic-beta",
  "anthropic-dangerous-direct-browser-access",
  "openai-organization",
  "openai-project",
  "openai-beta",
  "x-goog-api-client",
  "x-goog-user-project",
  "idempotency-key",
  "x-claude-code-session-id",
]);

/** Caller → upstream, by prefix: the SDKs' own telemetry (`x-stainless-lang`, `x-stainless-retry-count`, …). */
const REQUEST_PREFIXES: readonly string[] = ["x-stainless-"];

/** The caller's provider credentials: forwarded only on routes with `forward_caller_key`. */
export const CALLER_KEY_HEADERS: readonly string[] = ["authorization", "x-api-key", "x-goog-api-key"];

/** Upstream → caller. */
const RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "cache-control",
  "request-id",
  "retry-after",
  "retry-after-ms",
  "x-should-retry",
  "openai-processing-ms",
  "openai-version",
  "openai-organization",
  "openai-project",
  "x-goog-request-id",
]);

/** Upstream → caller, by prefix: Anthropic's own (`anthropic-ratelimit-*`, `anthropic-organization-id`) and OpenAI's rate limits. */
const RESPONSE_PREFIXES: readonly string[] = ["anthropic-", "x-ratelimit-"];

/** Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded either way, whatever a list says. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
]);

/** The upstream's own request id, which the caller sees under this name beside the gateway's `x-request-id`. */
export const UPSTREAM_REQUEST_ID = "x-upstream-request-id";

/**
 * The headers of the upstream request, lowest precedence first: the
 * provider's defaults (an `anthropic-version` when the caller sent none),
 * the caller's allow-listed headers (its provider key too when `callerKey`),
 * the provider's configured `headers`, and then the provider's credential
 * (unless the caller's own key is forwarded) and the gateway's request id.
 */
export function upstreamRequestHeaders(
  caller: Readonly<Record<string, string | string[] | undefined>>,
  defaults: Readonly<Record<string, string>>,
  configured: Readonly<Record<string, string>>,
  credential: Readonly<Record<string, string>> | undefined,
  requestId: string,
): Record<string, string> {
  const out: Record<string, string> = { ...defaults };
  const named = connectionNamed(caller.connection);
  for (const name in caller) {
    const value = caller[name];
    if (value === undefined || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    const allowed =
      REQUEST_HEADERS.has(name) ||
      startsWithAny(name, REQUEST_PREFIXES) ||
      (credential === undefined && CALLER_KEY_HEADERS.includes(name));
    if (allowed) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  for (const name in configured) out[name.toLowerCase()] = configured[name] as string;
  if (credential !== undefined) for (const name in credential) out[name] = credential[name] as string;
  if (requestId !== "") out["x-request-id"] = requestId;
  return out;
}

/** The upstream's answer headers the caller may see. */
export function callerResponseHeaders(upstream: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const named = connectionNamed(upstream.connection);
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    if (name === "x-request-id") out[UPSTREAM_REQUEST_ID] = value;
    else if (RESPONSE_HEADERS.has(name) || startsWithAny(name, RESPONSE_PREFIXES)) out[name] = value;
  }
  return out;
}

/** The headers a `Connection` header names, which are hop-by-hop too. */
function connectionNamed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value.join(",") : value;
  return new Set(list.split(",").map((name) => name.trim().toLowerCase()));
}

function startsWithAny(name: string, prefixes: readonly string[]): boolean {
  for (let i = 0; i < prefixes.length; i++) if (name.startsWith(prefixes[i] as string)) return true;
  return false;
}
