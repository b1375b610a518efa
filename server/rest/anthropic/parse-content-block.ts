import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type { ContentPartSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { isBase64 } from "../base64-text.ts";
import { expectObject, optString } from "../openai/json-fields.ts";
import { parseCacheControl } from "./parse-cache-control.ts";

/*
 * Follows the Anthropic Messages API's content blocks as documented:
 * - `text` `{text, cache_control?, citations?}`;
 * - `image` `{source, cache_control?}` with a source of `{type: "base64",
 *   media_type, data}` (jpeg, png, gif or webp) or `{type: "url", url}`.
 * Citations the canonical model cannot carry are refused; `citations: null`
 * (as SDKs echo a previous answer back) is accepted.
 */

export type PartInit = MessageInitShape<typeof ContentPartSchema>;

const MEDIA_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** A `text` block as a canonical text part. */
export function textPart(block: JsonObject, param: string): PartInit {
  const text = optString(block.text, `${param}.text`);
  if (text === undefined) throw invalidRequest(`${param}.text: Field required`, `${param}.text`);
  const citations = block.citations;
  if (
    citations !== undefined &&
    citations !== null &&
    !(Array.isArray(citations) && citations.length === 0)
  ) {
    throw invalidRequest(
      `${param}.citations are not supported by LLMGW's translated Messages API; use the /anthropic pass-through`,
      `${param}.citations`,
    );
  }
  return {
    part: { case: "text", value: text },
    cacheControl: parseCacheControl(block.cache_control, `${param}.cache_control`),
  };
}

/** An `image` block as a canonical image part. */
export function imagePart(block: JsonObject, param: string): PartInit {
  const source = expectObject(block.source, `${param}.source`);
  const cacheControl = parseCacheControl(block.cache_control, `${param}.cache_control`);
  if (source.type === "base64") {
    const mediaType = optString(source.media_type, `${param}.source.media_type`) ?? "";
    if (!MEDIA_TYPES.has(mediaType)) {
      throw invalidRequest(
        `${param}.source.media_type must be image/jpeg, image/png, image/gif or image/webp`,
        `${param}.source.media_type`,
      );
    }
    const data = optString(source.data, `${param}.source.data`) ?? "";
    if (!isBase64(data)) {
      throw invalidRequest(`${param}.source.data must be non-empty base64`, `${param}.source.data`);
    }
    return {
      part: {
        case: "image",
        value: { source: { case: "data", value: Buffer.from(data, "base64") }, mediaType },
      },
      cacheControl,
    };
  }
  if (source.type === "url") {
    const url = optString(source.url, `${param}.source.url`) ?? "";
    if (!/^https?:\/\//i.test(url)) {
      throw invalidRequest(`${param}.source.url must be an http(s) URL`, `${param}.source.url`);
    }
    return { part: { case: "image", value: { source: { case: "url", value: url } } }, cacheControl };
  }
  throw invalidRequest(
    `${param}.source.type ${JSON.stringify(source.type ?? null)} is not supported; use "base64" or "url"`,
    `${param}.source.type`,
  );
}

/** A refusal for a block type the translation does not carry. */
export function unsupportedBlock(type: unknown, param: string, allowed: string): Error {
  return invalidRequest(
    `${param}.type ${JSON.stringify(type ?? null)} is not supported here (${allowed}); other blocks need the /anthropic pass-through`,
    `${param}.type`,
  );
}
