import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ContentPartSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { isBase64 } from "../base64-text.ts";
import { optArray, typeName } from "../openai/json-fields.ts";

type PartInit = MessageInitShape<typeof ContentPartSchema>;

/** Ollama's decoder wants padded standard base64 and skips line breaks, so they are taken out first. */
const LINE_BREAKS = /[\r\n]/g;

/**
 * Ollama's `images`: a list of base64 strings (no `data:` prefix, no URLs:
 * Ollama never fetches an image; padded, line breaks allowed, as Ollama's
 * decoder takes them), each to an inline image part whose media
 * type is read from its first bytes, since upstreams that take data URLs
 * need one.
 */
export function parseOllamaImages(value: unknown, param: string): PartInit[] {
  const list = optArray(value, param);
  if (list === undefined) return [];
  return list.map((item, i) => {
    const text = typeof item === "string" ? item.replace(LINE_BREAKS, "") : "";
    if (typeof item !== "string" || !isBase64(text, { padded: true })) {
      const got = typeof item === "string" ? "a string that is not base64" : typeName(item);
      throw invalidRequest(`${param}[${i}] must be a base64-encoded image, got ${got}`, `${param}[${i}]`);
    }
    const data = Buffer.from(text, "base64");
    return {
      part: { case: "image", value: { source: { case: "data", value: data }, mediaType: sniff(data) } },
    };
  });
}

/** The media type of an image from its magic bytes; "" when unknown (adapters then assume PNG). */
function sniff(data: Buffer): string {
  if (data[0] === 0x89 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47) return "image/png";
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "image/jpeg";
  if (data[0] === 0x47 && data[1] === 0x49 && data[2] === 0x46) return "image/gif";
  if (data.toString("latin1", 0, 4) === "RIFF" && data.toString("latin1", 8, 12) === "WEBP")
    return "image/webp";
  return "";
}
