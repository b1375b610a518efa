import { CacheMode, type ChatRequest } from "../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../errors/gateway-error.ts";
import type { AnyRequest } from "../http/read-body.ts";
import { header } from "./rest-call.ts";

/** The request header by which a REST caller turns the response cache off, or refreshes its entry. */
export const CACHE_HEADER = "x-llmgw-cache";

/**
 * The cache mode an `x-llmgw-cache` header asks for: `off` (neither read
 * nor write), `refresh` (fetch afresh and overwrite), `allow-sampling` (the
 * semantic cache may answer though the request samples), `on` or absent (as
 * configured). Anything else is `invalid_request`, naming the header.
 */
export function cacheModeFromHeader(value: string | undefined): CacheMode {
  if (value === undefined) return CacheMode.UNSPECIFIED;
  switch (value.trim().toLowerCase()) {
    case "":
    case "on":
      return CacheMode.UNSPECIFIED;
    case "off":
      return CacheMode.OFF;
    case "refresh":
      return CacheMode.REFRESH;
    case "allow-sampling":
      return CacheMode.ALLOW_SAMPLING;
    default:
      throw invalidRequest(
        `the ${CACHE_HEADER} header must be off, refresh, allow-sampling or on`,
        CACHE_HEADER,
      );
  }
}

/**
 * Applies the request's `x-llmgw-cache` header to the decoded request, over
 * anything its body said (the OpenAI body's `x-cache`); returns the request.
 */
export function withCacheHeader(req: AnyRequest, request: ChatRequest): ChatRequest {
  const mode = cacheModeFromHeader(header(req, CACHE_HEADER));
  if (mode !== CacheMode.UNSPECIFIED) request.cache = mode;
  return request;
}
