import { create } from "@bufbuild/protobuf";
import {
  type ChatRequest,
  ChatRequestSchema,
  type Message,
  MessageSchema,
  Role,
} from "../../../gen/llmgw/v1/chat_pb.js";
import type { PassthroughApi } from "../../core/call.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";

type Json = Record<string, unknown>;

/** How deep the text collector looks into one message's content. */
const MAX_DEPTH = 8;
/** The most a max_tokens-like field can say (the canonical field is a uint32). */
const MAX_TOKENS = 2 ** 32 - 1;

/** The chain's view of a pass-through request. */
export interface ParsedCopy {
  readonly chat: ChatRequest;
  readonly stream: boolean;
}

/**
 * The parsed copy of a pass-through body that the chain runs on (auth,
 * limits, budgets, scope, accounting): the model, the messages' text (for
 * the prompt estimate), the completion limit and whether it streams. It is
 * lenient on purpose: it reads what it knows and ignores the rest, so it
 * refuses nothing the upstream might accept. Only a body that is not a JSON
 * object, or names no model, is refused (every family's upstream refuses those).
 * The bytes forwarded are the caller's own, never this copy.
 */
export function parsedCopy(api: PassthroughApi, body: unknown, path: string): ParsedCopy {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalidRequest("the request body must be a JSON object");
  const json = body as Json;
  const messages: Message[] = [];
  let model: string;
  let maxTokens: unknown;
  let stream: boolean;
  if (api === "gemini") {
    const call = geminiModelCall(path);
    model = call.model;
    stream = call.method === "streamGenerateContent";
    push(messages, Role.SYSTEM, json.systemInstruction);
    for (const item of list(json.contents))
      pushTurn(messages, (item as Json)?.role === "model" ? Role.ASSISTANT : Role.USER, item);
    const config = json.generationConfig;
    maxTokens = isObject(config) ? config.maxOutputTokens : undefined;
  } else {
    model = typeof json.model === "string" ? json.model : "";
    stream = json.stream === true;
    // Anthropic's `system`; the Responses API's `instructions`.
    push(messages, Role.SYSTEM, json.system);
    push(messages, Role.SYSTEM, json.instructions);
    for (const item of list(json.messages)) pushTurn(messages, roleOf(item), item);
    // The Responses API's and the embeddings' `input`, the legacy completions' `prompt`.
    for (const item of list(json.input)) pushTurn(messages, roleOf(item), item);
    push(messages, Role.USER, json.prompt);
    maxTokens = json.max_tokens ?? json.max_completion_tokens ?? json.max_output_tokens;
  }
  if (model === "") throw invalidRequest("you must provide a model parameter", "model");
  // The chain's validation wants a message; a request of nothing but ids (previous_response_id) still counts.
  if (messages.length === 0) messages.push(message(Role.USER, ""));
  return {
    chat: create(ChatRequestSchema, { model, messages, maxTokens: tokens(maxTokens) }),
    stream,
  };
}

/** Gemini's `/v1beta/models/{model}:{method}`, the model from the path. */
function geminiModelCall(path: string): { model: string; method: string } {
  const q = path.indexOf("?");
  const bare = q < 0 ? path : path.slice(0, q);
  const match = /^\/v\d+[a-z0-9]*\/models\/([^/:]+):([A-Za-z]+)$/.exec(bare);
  if (match === null) return { model: "", method: "" };
  try {
    return { model: decodeURIComponent(match[1] as string), method: match[2] as string };
  } catch {
    throw invalidRequest("the model in the path has a malformed percent-escape", "model");
  }
}

function roleOf(item: unknown): Role {
  const role = isObject(item) ? item.role : undefined;
  if (role === "assistant" || role === "model") return Role.ASSISTANT;
  if (role === "system" || role === "developer") return Role.SYSTEM;
  // OpenAI's tool messages, and the Responses API's function_call_output items.
  if (role === "tool" || (isObject(item) && item.type === "function_call_output")) return Role.TOOL;
  return Role.USER;
}

/**
 * Adds one turn, with the tool results it carries as tool messages of their
 * own (Anthropic's `tool_result` blocks, Gemini's `functionResponse` parts),
 * so that policies that look at tool results (the injection guard) see them
 * as such.
 */
function pushTurn(messages: Message[], role: Role, item: unknown): void {
  if (role === Role.TOOL) {
    pushTool(messages, item);
    return;
  }
  const blocks = isObject(item) ? (Array.isArray(item.content) ? item.content : item.parts) : undefined;
  if (!Array.isArray(blocks) || !blocks.some(isToolResult)) {
    push(messages, role, item);
    return;
  }
  push(
    messages,
    role,
    blocks.filter((b) => !isToolResult(b)),
  );
  for (const block of blocks) if (isToolResult(block)) pushTool(messages, block);
}

function isToolResult(block: unknown): boolean {
  return isObject(block) && (block.type === "tool_result" || block.functionResponse !== undefined);
}

/** A tool result as a tool message; the chain's validation wants an id, which the parsed copy need not be exact about. */
function pushTool(messages: Message[], value: unknown): void {
  const text: string[] = [];
  const gemini = isObject(value) ? value.functionResponse : undefined;
  if (isObject(gemini)) text.push(JSON.stringify(gemini.response ?? {}));
  else collect(value, text, 0);
  if (text.length === 0) return;
  const json = isObject(value) ? value : {};
  const id = json.tool_use_id ?? json.tool_call_id ?? json.call_id ?? "tool-result";
  const out = message(Role.TOOL, text.join("\n"));
  out.toolCallId = typeof id === "string" && id !== "" ? id : "tool-result";
  messages.push(out);
}

/** Adds one message of the text found in `value`, when it holds any. */
function push(messages: Message[], role: Role, value: unknown): void {
  if (value === undefined || value === null) return;
  const text: string[] = [];
  collect(value, text, 0);
  if (text.length > 0) messages.push(message(role, text.join("\n")));
}

/** Every string under `text`, `content`, `input`, `arguments` and the like, and bare strings in arrays. */
function collect(value: unknown, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (typeof value === "string") {
    if (value !== "") out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, out, depth + 1);
    return;
  }
  if (!isObject(value)) return;
  for (const key of TEXT_KEYS) {
    const field = value[key];
    if (field === undefined) continue;
    // Tool inputs are objects on Anthropic and Gemini; they are prompt too.
    if (isObject(field) && (key === "input" || key === "args")) out.push(JSON.stringify(field));
    else collect(field, out, depth + 1);
  }
}

const TEXT_KEYS = ["text", "content", "parts", "input", "arguments", "args", "output", "thinking"] as const;

function message(role: Role, text: string): Message {
  return create(MessageSchema, { role, content: [{ part: { case: "text", value: text } }] });
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function tokens(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value >= 1
    ? Math.min(value, MAX_TOKENS)
    : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
