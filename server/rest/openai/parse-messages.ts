import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  type ContentPart,
  ContentPartSchema,
  type ImageSchema,
  type Message,
  type ToolCall,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { roleFromOpenAI } from "../../wire/openai/role.ts";
import { isBase64 } from "../base64-text.ts";
import { expectObject, optArray, optString, typeName } from "./json-fields.ts";

type ImageInit = MessageInitShape<typeof ImageSchema>;

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w=.-]+)*;base64,/;

/**
 * OpenAI `messages[]` to canonical messages. A message, its text parts and
 * its tool calls are built as literals: `create()` would walk the schema of
 * each (every request pays it, for every message). Their types keep them
 * whole: a field added to one of them in the proto fails to compile here
 * until it is given its default. Images, which are rare, go through `create()`.
 */
export function parseMessages(value: unknown): Message[] {
  const list = optArray(value, "messages");
  if (list === undefined) throw invalidRequest("you must provide messages", "messages");
  return list.map((item, i) => parseMessage(item, `messages[${i}]`));
}

function parseMessage(value: unknown, param: string): Message {
  const message = expectObject(value, param);
  const role = roleFromOpenAI(message.role);
  if (role === undefined) {
    throw invalidRequest(
      `${param}.role must be one of system, developer, user, assistant or tool, got ${JSON.stringify(message.role ?? null)}`,
      `${param}.role`,
    );
  }
  const toolCalls = optArray(message.tool_calls, `${param}.tool_calls`)?.map((call, i) =>
    parseToolCall(call, `${param}.tool_calls[${i}]`),
  );
  return {
    $typeName: "llmgw.v1.Message",
    role,
    content: parseContent(message.content, `${param}.content`),
    name: optString(message.name, `${param}.name`) ?? "",
    toolCalls: toolCalls ?? [],
    toolCallId: optString(message.tool_call_id, `${param}.tool_call_id`) ?? "",
    refusal: optString(message.refusal, `${param}.refusal`) ?? "",
    reasoning: optString(message.reasoning_content, `${param}.reasoning_content`) ?? "",
    reasoningSignature: "",
    redactedReasoning: [],
    toolError: false,
  };
}

function textPart(value: string): ContentPart {
  return { $typeName: "llmgw.v1.ContentPart", part: { case: "text", value } };
}

function parseContent(value: unknown, param: string): ContentPart[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [textPart(value)];
  if (!Array.isArray(value)) {
    throw invalidRequest(`${param} must be a string or an array of parts, got ${typeName(value)}`, param);
  }
  return value.map((item, i) => parsePart(item, `${param}[${i}]`));
}

function parsePart(value: unknown, param: string): ContentPart {
  const part = expectObject(value, param);
  switch (part.type) {
    case "text":
      return textPart(optString(part.text, `${param}.text`) ?? "");
    case "image_url": {
      const image = expectObject(part.image_url, `${param}.image_url`);
      const url = optString(image.url, `${param}.image_url.url`);
      if (!url) throw invalidRequest(`${param}.image_url.url is required`, `${param}.image_url.url`);
      const detail = optString(image.detail, `${param}.image_url.detail`) ?? "";
      return create(ContentPartSchema, {
        part: { case: "image", value: imageFromUrl(url, detail, `${param}.image_url.url`) },
      });
    }
    default:
      throw invalidRequest(
        `content part type ${JSON.stringify(part.type ?? null)} is not supported; use "text" or "image_url"`,
        `${param}.type`,
      );
  }
}

/** An image URL (http(s) or a base64 `data:` URL) as a canonical image; `param` names the field at fault. */
export function imageFromUrl(url: string, detail: string, param: string): ImageInit {
  const match = DATA_URL.exec(url);
  if (match !== null) {
    const mediaType = match[1] ?? "";
    if (!mediaType.toLowerCase().startsWith("image/")) {
      throw invalidRequest(
        `${param} must be an image, got a data: URL of ${mediaType || "no media type"}`,
        param,
      );
    }
    const base64 = url.slice(match[0].length);
    if (!isBase64(base64)) {
      throw invalidRequest(`${param} is a data: URL whose data is not base64`, param);
    }
    return { source: { case: "data", value: Buffer.from(base64, "base64") }, mediaType, detail };
  }
  if (!/^https?:\/\//i.test(url)) {
    throw invalidRequest(`${param} must be an http(s) URL or a base64 data: URL`, param);
  }
  return { source: { case: "url", value: url }, detail };
}

function parseToolCall(value: unknown, param: string): ToolCall {
  const call = expectObject(value, param);
  if (call.type !== undefined && call.type !== "function") {
    throw invalidRequest(`${param}.type must be "function"`, `${param}.type`);
  }
  const fn = expectObject(call.function, `${param}.function`);
  return {
    $typeName: "llmgw.v1.ToolCall",
    id: optString(call.id, `${param}.id`) ?? "",
    name: optString(fn.name, `${param}.function.name`) ?? "",
    arguments: optString(fn.arguments, `${param}.function.arguments`) ?? "",
  };
}
