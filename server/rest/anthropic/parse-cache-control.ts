import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CacheControlSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject, optString } from "../openai/json-fields.ts";

/*
 * Follows the Anthropic Messages API's prompt caching: `cache_control` is
 * `{type: "ephemeral", ttl?: "5m" | "1h"}` on a system block, a content
 * block, a tool_result, a tool_use or a tool definition.
 */

type CacheControlInit = MessageInitShape<typeof CacheControlSchema>;

/** A block's `cache_control`, or undefined when it has none. */
export function parseCacheControl(value: unknown, param: string): CacheControlInit | undefined {
  if (value === undefined || value === null) return undefined;
  const marker = expectObject(value, param);
  if (marker.type !== "ephemeral") {
    throw invalidRequest(`${param}.type must be "ephemeral"`, `${param}.type`);
  }
  const ttl = optString(marker.ttl, `${param}.ttl`) ?? "";
  if (ttl !== "" && ttl !== "5m" && ttl !== "1h") {
    throw invalidRequest(`${param}.ttl must be "5m" or "1h", got ${JSON.stringify(ttl)}`, `${param}.ttl`);
  }
  return { type: "ephemeral", ttl };
}
