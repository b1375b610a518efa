import type { ServerResponse } from "node:http";
import { cors as connectCors } from "@connectrpc/connect";
import type { AnyRequest } from "./read-body.ts";

/** Headers browsers may send: connect-es's list, plus auth and our own. */
const ALLOWED_HEADERS = [
  ...connectCors.allowedHeaders,
  "authorization",
  "x-api-key",
  "x-request-id",
  "x-llmgw-strategy",
  "x-llmgw-cache",
  "x-llmgw-prefer-provider",
  "x-llmgw-fallback",
  "x-llmgw-priority",
  "x-llmgw-log-payload",
  "anthropic-version",
  "x-goog-api-key",
  "x-stainless-arch",
  "x-stainless-lang",
  "x-stainless-os",
  "x-stainless-package-version",
  "x-stainless-retry-count",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "x-stainless-timeout",
].join(", ");

/** Headers browsers may read: connect-es's list (trailers included), plus ours. */
const EXPOSED_HEADERS = [
  ...connectCors.exposedHeaders,
  "x-request-id",
  "retry-after",
  "x-should-retry",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
].join(", ");
const ALLOWED_METHODS = [...connectCors.allowedMethods, "OPTIONS"].join(", ");

/** The response type handlers see; HTTP/2 compat responses are handed over as this type too. */
export type AnyResponse = ServerResponse;

/**
 * CORS for browser callers (gRPC-Web, Connect and REST). Adds headers for an
 * allowed origin, and answers preflights itself. Returns true when the
 * request was a preflight and has been answered.
 */
export function applyCors(req: AnyRequest, res: AnyResponse, origins: ReadonlyArray<string>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || !(origins.includes("*") || origins.includes(origin))) return false;
  res.setHeader("access-control-allow-origin", origins.includes("*") ? "*" : origin);
  res.setHeader("vary", "origin");
  res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  if (req.method !== "OPTIONS" || req.headers["access-control-request-method"] === undefined) return false;
  res.writeHead(204, {
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": "7200",
  });
  res.end();
  return true;
}
