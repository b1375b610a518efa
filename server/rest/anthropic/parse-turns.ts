import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { type MessageSchema, Role, type ToolCallSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../policy/validate/json-depth.ts";
import { expectObject, isObject, optArray, optBoolean, optString, typeName } from "../openai/json-fields.ts";
import { parseCacheControl } from "./parse-cache-control.ts";
import { imagePart, type PartInit, textPart, unsupportedBlock } from "./parse-content-block.ts";

/*
 * Follows the Anthropic Messages API as documented:
 * - `system` is a string or a list of `text` blocks;
 * - `messages` are `user` and `assistant` turns whose `content` is a string
 *   or a list of blocks;
 * - user turns hold `text`, `image` and `tool_result {tool_use_id, content,
 *   is_error?}` blocks, a tool_result's content being a string or `text` /
 *   `image` blocks;
 * - assistant turns hold `text`, `tool_use {id, name, input}`, `thinking
 *   {thinking, signature}` and `redacted_thinking {data}` blocks.
 */

type MessageInit = MessageInitShape<typeof MessageSchema>;
type ToolCallInit = MessageInitShape<typeof ToolCallSchema>;

/** The top-level `system` as a canonical system message, or undefined when there is none. */
export function parseSystem(value: unknown): MessageInit | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    return value === "" ? undefined : { role: Role.SYSTEM, content: [{ part: { case: "text", value } }] };
  }
  const blocks = optArray(value, "system");
  if (blocks === undefined) return undefined;
  const content = blocks.map((item, i) => {
    const param = `system.${i}`;
    const block = expectObject(item, param);
    if (block.type !== "text") throw unsupportedBlock(block.type, param, 'system blocks must be "text"');
    return textPart(block, param);
  });
  return content.length === 0 ? undefined : { role: Role.SYSTEM, content };
}

/** Anthropic `messages` as canonical messages: each tool_result becomes a tool message of its own. */
export function parseTurns(value: unknown): MessageInit[] {
  const list = optArray(value, "messages");
  if (list === undefined) throw invalidRequest("messages: Field required", "messages");
  const out: MessageInit[] = [];
  list.forEach((item, i) => {
    const param = `messages.${i}`;
    const turn = expectObject(item, param);
    if (turn.role === "user") userTurn(turn.content, `${param}.content`, out);
    else if (turn.role === "assistant") out.push(assistantTurn(turn.content, `${param}.content`));
    else {
      throw invalidRequest(
        `${param}.role must be "user" or "assistant", got ${JSON.stringify(turn.role ?? null)}; the system prompt is the top-level "system"`,
        `${param}.role`,
      );
    }
  });
  return out;
}

function contentBlocks(value: unknown, param: string): JsonObject[] | string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) {
    throw invalidRequest(`${param} must be a string or a list of blocks, got ${typeName(value)}`, param);
  }
  return value.map((item, i) => expectObject(item, `${param}.${i}`));
}

/**
 * A user turn, in order: runs of text and image blocks become user messages,
 * and each tool_result a tool message, so the answers stay next to the calls.
 */
function userTurn(value: unknown, param: string, out: MessageInit[]): void {
  const blocks = contentBlocks(value, param);
  if (typeof blocks === "string") {
    out.push({ role: Role.USER, content: [{ part: { case: "text", value: blocks } }] });
    return;
  }
  let run: PartInit[] = [];
  blocks.forEach((block, i) => {
    const at = `${param}.${i}`;
    if (block.type === "text") run.push(textPart(block, at));
    else if (block.type === "image") run.push(imagePart(block, at));
    else if (block.type === "tool_result") {
      if (run.length > 0) out.push({ role: Role.USER, content: run });
      run = [];
      out.push(toolResult(block, at));
    } else throw unsupportedBlock(block.type, at, 'user turns take "text", "image" and "tool_result"');
  });
  if (run.length > 0 || blocks.length === 0) out.push({ role: Role.USER, content: run });
}

/** A tool_result as a tool message; its own cache_control marks its last part. */
function toolResult(block: JsonObject, param: string): MessageInit {
  const id = optString(block.tool_use_id, `${param}.tool_use_id`);
  if (!id) throw invalidRequest(`${param}.tool_use_id: Field required`, `${param}.tool_use_id`);
  const content: PartInit[] = [];
  const value = block.content;
  if (typeof value === "string") content.push({ part: { case: "text", value } });
  else if (value !== undefined && value !== null) {
    const blocks = contentBlocks(value, `${param}.content`) as JsonObject[];
    blocks.forEach((inner, i) => {
      const at = `${param}.content.${i}`;
      if (inner.type === "text") content.push(textPart(inner, at));
      else if (inner.type === "image") content.push(imagePart(inner, at));
      else throw unsupportedBlock(inner.type, at, 'tool results take "text" and "image"');
    });
  }
  const cacheControl = parseCacheControl(block.cache_control, `${param}.cache_control`);
  if (cacheControl !== undefined) {
    if (content.length === 0) content.push({ part: { case: "text", value: "" } });
    (content[content.length - 1] as PartInit).cacheControl = cacheControl;
  }
  return {
    role: Role.TOOL,
    toolCallId: id,
    content,
    toolError: optBoolean(block.is_error, `${param}.is_error`) ?? false,
  };
}

/** An assistant turn: text parts, tool calls, and its thinking with the signature that must come back. */
function assistantTurn(value: unknown, param: string): MessageInit {
  const blocks = contentBlocks(value, param);
  if (typeof blocks === "string") {
    return { role: Role.ASSISTANT, content: [{ part: { case: "text", value: blocks } }] };
  }
  const message = {
    role: Role.ASSISTANT,
    content: [] as PartInit[],
    toolCalls: [] as ToolCallInit[],
    reasoning: "",
    reasoningSignature: "",
    redactedReasoning: [] as string[],
  };
  let thinkings = 0;
  blocks.forEach((block, i) => {
    const at = `${param}.${i}`;
    switch (block.type) {
      case "text":
        message.content.push(textPart(block, at));
        break;
      case "tool_use":
        message.toolCalls.push(toolUse(block, at));
        break;
      case "thinking":
        if (++thinkings > 1) {
          throw invalidRequest(
            `${at}: one thinking block per assistant turn is all the translated Messages API carries; use the /anthropic pass-through`,
            at,
          );
        }
        noCacheControl(block, at);
        message.reasoning = optString(block.thinking, `${at}.thinking`) ?? "";
        message.reasoningSignature = optString(block.signature, `${at}.signature`) ?? "";
        break;
      case "redacted_thinking": {
        noCacheControl(block, at);
        const data = optString(block.data, `${at}.data`);
        if (!data) throw invalidRequest(`${at}.data: Field required`, `${at}.data`);
        message.redactedReasoning.push(data);
        break;
      }
      default:
        throw unsupportedBlock(
          block.type,
          at,
          'assistant turns take "text", "tool_use", "thinking" and "redacted_thinking"',
        );
    }
  });
  return message;
}

function toolUse(block: JsonObject, param: string): ToolCallInit {
  const id = optString(block.id, `${param}.id`);
  const name = optString(block.name, `${param}.name`);
  if (!id) throw invalidRequest(`${param}.id: Field required`, `${param}.id`);
  if (!name) throw invalidRequest(`${param}.name: Field required`, `${param}.name`);
  const input = block.input ?? {};
  if (!isObject(input)) throw invalidRequest(`${param}.input must be an object`, `${param}.input`);
  // Checked before it is serialized: a deep enough input would overflow JSON.stringify's stack.
  if (nestsDeeperThan(input, MAX_JSON_DEPTH)) {
    throw invalidRequest(`${param}.input nests deeper than ${MAX_JSON_DEPTH} levels`, `${param}.input`);
  }
  return {
    id,
    name,
    arguments: JSON.stringify(input),
    cacheControl: parseCacheControl(block.cache_control, `${param}.cache_control`),
  };
}

function noCacheControl(block: JsonObject, param: string): void {
  if (block.cache_control !== undefined && block.cache_control !== null) {
    throw invalidRequest(`${param}.cache_control cannot be set on thinking blocks`, `${param}.cache_control`);
  }
}
