import { CacheMode } from "../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../errors/gateway-error.ts";

/** The request header by which a REST caller turns the response cache off, or refreshes its entry. */
export const CACHE_HEADER = "x-llmgw-cache";

/**
 * The cache mode an `x-llmgw-cache` header asks for: `off` (neither read
 * nor write), `refresh` (fetch afresh and overwrite), `on` or absent (as
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
    default:
      throw invalidRequest(`the ${CACHE_HEADER} header must be off, refresh or on`, CACHE_HEADER);
  }
}
