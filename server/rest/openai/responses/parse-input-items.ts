import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import {
  type ContentPartSchema,
  type MessageSchema,
  Role,
  type ToolCallSchema,
} from "../../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../../errors/gateway-error.ts";
import { roleFromOpenAI } from "../../../wire/openai/role.ts";
import { expectObject, optArray, optString, typeName } from "../json-fields.ts";
import { imageFromUrl } from "../parse-messages.ts";

type MessageInit = MessageInitShape<typeof MessageSchema>;
type PartInit = MessageInitShape<typeof ContentPartSchema>;
type ToolCallInit = MessageInitShape<typeof ToolCallSchema>;

/** Items an `item_reference` in the input points at, by id (found in the response store beforehand). */
export type ReferencedItems = ReadonlyMap<string, JsonObject>;

const NONE: ReferencedItems = new Map();

/**
 * The `item_reference` ids of an input, so the caller can load them from the
 * store before `parseInput` runs (which is synchronous).
 */
export function referencedIds(input: unknown): string[] {
  if (!Array.isArray(input)) return [];
  const ids: string[] = [];
  input.forEach((item, i) => {
    if (item !== null && typeof item === "object" && (item as JsonObject).type === "item_reference") {
      const id = optString((item as JsonObject).id, `input[${i}].id`);
      if (!id) throw invalidRequest(`input[${i}].id is required`, `input[${i}].id`);
      ids.push(id);
    }
  });
  return ids;
}

/**
 * A Responses `input` (a string, or a list of items) as canonical messages.
 * Items that belong to one assistant turn (reasoning, then text, then
 * function calls) become one assistant message, as chat upstreams expect;
 * each `function_call_output` becomes a tool message. Output items are
 * valid input items, so a stored response's output is read back with this
 * same function.
 */
export function parseInput(
  value: unknown,
  references: ReferencedItems = NONE,
  param = "input",
): MessageInit[] {
  if (typeof value === "string") return [{ role: Role.USER, content: [text(value)] }];
  const list = optArray(value, param);
  if (list === undefined) throw invalidRequest(`you must provide ${param}`, param);
  const messages: MessageInit[] = [];
  list.forEach((item, i) => {
    addItem(messages, item, `${param}[${i}]`, references);
  });
  return messages;
}

function addItem(messages: MessageInit[], value: unknown, param: string, references: ReferencedItems): void {
  const item = expectObject(value, param);
  const type = item.type ?? (item.role !== undefined ? "message" : undefined);
  switch (type) {
    case "message":
      addMessage(messages, item, param);
      return;
    case "function_call":
      addFunctionCall(messages, item, param);
      return;
    case "function_call_output":
      messages.push({
        role: Role.TOOL,
        toolCallId: required(item.call_id, `${param}.call_id`),
        content: toolOutput(item.output, `${param}.output`),
      });
      return;
    case "reasoning":
      addReasoning(messages, item, param);
      return;
    case "item_reference": {
      const id = optString(item.id, `${param}.id`) ?? "";
      const found = references.get(id);
      if (found === undefined) {
        throw invalidRequest(
          `${param} refers to item "${id}", which is not a stored item of yours`,
          `${param}.id`,
        );
      }
      // A stored item is an output item, never itself a reference: the recursion ends here.
      addItem(messages, found, param, NONE);
      return;
    }
    default:
      throw invalidRequest(
        `input item type ${JSON.stringify(type ?? null)} is not supported; use message, function_call, ` +
          "function_call_output, reasoning or item_reference",
        `${param}.type`,
      );
  }
}

function addMessage(messages: MessageInit[], item: JsonObject, param: string): void {
  const role = roleFromOpenAI(item.role);
  if (role === undefined || role === Role.TOOL) {
    throw invalidRequest(
      `${param}.role must be one of user, system, developer or assistant, got ${JSON.stringify(item.role ?? null)}`,
      `${param}.role`,
    );
  }
  const { parts, refusal } = content(item.content, `${param}.content`, role === Role.ASSISTANT);
  const last = messages.at(-1);
  // Text after this turn's reasoning joins it; text after tool calls starts a new turn.
  if (role === Role.ASSISTANT && isAssistant(last) && !last.toolCalls?.length && !last.content?.length) {
    last.content = parts;
    if (refusal) last.refusal = refusal;
    return;
  }
  messages.push({ role, content: parts, refusal });
}

function addFunctionCall(messages: MessageInit[], item: JsonObject, param: string): void {
  const call = {
    id: required(item.call_id, `${param}.call_id`),
    name: required(item.name, `${param}.name`),
    arguments: optString(item.arguments, `${param}.arguments`) ?? "",
  };
  const last = messages.at(-1);
  if (!isAssistant(last)) messages.push({ role: Role.ASSISTANT, toolCalls: [call] });
  else if (last.toolCalls === undefined) last.toolCalls = [call];
  else (last.toolCalls as ToolCallInit[]).push(call);
}

function addReasoning(messages: MessageInit[], item: JsonObject, param: string): void {
  if (item.encrypted_content != null) {
    throw invalidRequest(
      `${param}.encrypted_content is reasoning only OpenAI can read; the gateway cannot send it to another upstream`,
      `${param}.encrypted_content`,
    );
  }
  // Raw reasoning text where the item has it, else its summary.
  const raw = texts(item.content, `${param}.content`, "reasoning_text");
  const reasoning = raw || texts(item.summary, `${param}.summary`, "summary_text");
  messages.push({ role: Role.ASSISTANT, reasoning });
}

function texts(value: unknown, param: string, type: string): string {
  const list = optArray(value, param) ?? [];
  return list
    .map((part, i) => {
      const p = expectObject(part, `${param}[${i}]`);
      if (p.type !== type)
        throw invalidRequest(`${param}[${i}].type must be "${type}"`, `${param}[${i}].type`);
      return optString(p.text, `${param}[${i}].text`) ?? "";
    })
    .join("\n\n");
}

function content(value: unknown, param: string, assistant: boolean): { parts: PartInit[]; refusal: string } {
  if (typeof value === "string") return { parts: [text(value)], refusal: "" };
  const list = optArray(value, param);
  if (list === undefined) throw invalidRequest(`${param} must be a string or an array of parts`, param);
  const parts: PartInit[] = [];
  let refusal = "";
  list.forEach((item, i) => {
    const part = expectObject(item, `${param}[${i}]`);
    const at = `${param}[${i}]`;
    if (assistant && part.type === "refusal") refusal += optString(part.refusal, `${at}.refusal`) ?? "";
    else parts.push(contentPart(part, at, assistant));
  });
  return { parts, refusal };
}

function contentPart(part: JsonObject, param: string, assistant: boolean): PartInit {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return text(optString(part.text, `${param}.text`) ?? "");
    case "input_image": {
      if (assistant) break;
      if (part.file_id != null) {
        throw invalidRequest(
          `${param}.file_id is not supported: the gateway has no Files API; use image_url`,
          `${param}.file_id`,
        );
      }
      const url = required(part.image_url, `${param}.image_url`);
      const detail = optString(part.detail, `${param}.detail`) ?? "";
      return { part: { case: "image", value: imageFromUrl(url, detail, `${param}.image_url`) } };
    }
    case "input_file":
      throw invalidRequest(
        `${param}: input_file parts are not supported; send text or images`,
        `${param}.type`,
      );
  }
  throw invalidRequest(
    `content part type ${JSON.stringify(part.type ?? null)} is not supported here; use ${assistant ? "output_text or refusal" : "input_text or input_image"}`,
    `${param}.type`,
  );
}

/** A tool's output: a string, or a list of input_text / input_image parts. */
function toolOutput(value: unknown, param: string): PartInit[] {
  if (typeof value === "string") return [text(value)];
  if (!Array.isArray(value))
    throw invalidRequest(`${param} must be a string or an array of parts, got ${typeName(value)}`, param);
  return value.map((part, i) => contentPart(expectObject(part, `${param}[${i}]`), `${param}[${i}]`, false));
}

function isAssistant(message: MessageInit | undefined): message is MessageInit {
  return message?.role === Role.ASSISTANT;
}

function text(value: string): PartInit {
  return { part: { case: "text", value } };
}

function required(value: unknown, param: string): string {
  const s = optString(value, param);
  if (!s) throw invalidRequest(`${param} is required`, param);
  return s;
}
