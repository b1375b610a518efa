import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import {
  type ContentPartSchema,
  type MessageSchema,
  Role,
  type ToolCallSchema,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../policy/validate/json-depth.ts";
import { isBase64 } from "../base64-text.ts";
import { expectObject, optArray, optBoolean, optString, typeName } from "../openai/json-fields.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/caching#Content and
 * #Part): `contents` are turns with `role` "user" or "model" (blank means
 * user; the older "function" role carries function responses), each a list
 * of parts holding one of `text` (with `thought: true` for the model's
 * thinking), `inlineData {mimeType, data}` (base64), `fileData {mimeType,
 * fileUri}`, `functionCall {name, args, id?}` or `functionResponse {name,
 * response, id?}`, and optionally the `thoughtSignature` Gemini 3 wants sent
 * back. Gemini pairs a response with its call by name; `id` exists on
 * Vertex and newer models.
 *
 * A `thoughtSignature` is accepted and not kept: it is an opaque token only
 * the Gemini model that issued it can check, meaningless to any other
 * backend, and the Gemini adapter sends Google's documented
 * `skip_thought_signature_validator` in its place.
 */

type MessageInit = MessageInitShape<typeof MessageSchema>;
type PartInit = MessageInitShape<typeof ContentPartSchema>;
type ToolCallInit = MessageInitShape<typeof ToolCallSchema>;

/** The part fields this parser reads; any other is refused, never dropped. */
const PART_FIELDS = new Set([
  "text",
  "thought",
  "thoughtSignature",
  "inlineData",
  "fileData",
  "functionCall",
  "functionResponse",
]);

/** The fields of Part's `data` oneof that this parser reads: a part holds exactly one of them. */
const DATA_FIELDS = ["text", "inlineData", "fileData", "functionCall", "functionResponse"] as const;

/**
 * `systemInstruction` and `contents` as canonical messages. A function call
 * without an id gets one (`call_<turn>_<part>`), and a function response
 * without one takes the id of the earliest unanswered call of that name in
 * the model turn before it, so OpenAI-style backends see matching ids. A
 * user turn's function responses become tool messages, ahead of its other
 * parts.
 */
export function parseContents(contents: unknown, systemInstruction: unknown): MessageInit[] {
  const messages: MessageInit[] = [];
  if (systemInstruction !== undefined && systemInstruction !== null) {
    const system = expectObject(systemInstruction, "systemInstruction");
    const parts = optArray(system.parts, "systemInstruction.parts") ?? [];
    const content = parts.map((part, j) => {
      const param = `systemInstruction.parts[${j}]`;
      const checked = checkPart(part, param);
      const text = optString(checked.text, `${param}.text`);
      if (text === undefined) throw invalidRequest(`${param}: a system instruction holds text parts only`);
      return textPart(text);
    });
    if (content.length > 0) messages.push({ role: Role.SYSTEM, content });
  }
  const turns = optArray(contents, "contents");
  if (turns === undefined || turns.length === 0) throw invalidRequest("contents is not specified");
  /** The unanswered calls of the latest model turn, by function name, oldest first. */
  let pending = new Map<string, string[]>();
  turns.forEach((value, i) => {
    const param = `contents[${i}]`;
    const turn = expectObject(value, param);
    const role = optString(turn.role, `${param}.role`) ?? "user";
    const parts = (optArray(turn.parts, `${param}.parts`) ?? []).map((part, j) =>
      checkPart(part, `${param}.parts[${j}]`),
    );
    if (role === "model") {
      pending = new Map();
      messages.push(modelTurn(parts, param, i, pending));
    } else if (role === "user" || role === "function") {
      messages.push(...userTurn(parts, param, pending));
    } else {
      throw invalidRequest(`${param}.role must be "user" or "model", got ${JSON.stringify(role)}`);
    }
  });
  return messages;
}

/**
 * A part whose fields are all known, of the right type where every turn
 * reads them alike, and with one data field (Google refuses a second one of
 * the oneof; taking one would drop the other).
 */
function checkPart(value: unknown, param: string): JsonObject {
  const part = expectObject(value, param);
  for (const key in part) {
    if (!PART_FIELDS.has(key) && part[key] !== null && part[key] !== undefined) {
      throw invalidRequest(
        `${param}.${key} is not supported by this gateway; send text, inlineData, fileData, functionCall or functionResponse parts`,
      );
    }
  }
  optBoolean(part.thought, `${param}.thought`);
  optString(part.thoughtSignature, `${param}.thoughtSignature`);
  const data = DATA_FIELDS.filter((key) => part[key] !== undefined && part[key] !== null);
  if (data.length > 1) {
    throw invalidRequest(
      `${param}: a part holds one of ${DATA_FIELDS.join(", ")}, not ${data.join(" and ")}`,
    );
  }
  return part;
}

/** A free-form object (function args or a result) that is about to be serialized: too deep is the caller's error. */
function shallowObject(value: unknown, param: string): JsonObject {
  const object = expectObject(value, param);
  if (nestsDeeperThan(object, MAX_JSON_DEPTH)) {
    throw invalidRequest(`${param} nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return object;
}

function modelTurn(
  parts: JsonObject[],
  param: string,
  turn: number,
  pending: Map<string, string[]>,
): MessageInit {
  const content: PartInit[] = [];
  const toolCalls: ToolCallInit[] = [];
  let reasoning = "";
  parts.forEach((part, j) => {
    const where = `${param}.parts[${j}]`;
    const text = optString(part.text, `${where}.text`);
    if (part.functionCall !== undefined && part.functionCall !== null) {
      const call = expectObject(part.functionCall, `${where}.functionCall`);
      const name = requiredName(call.name, `${where}.functionCall.name`);
      const args =
        call.args === undefined || call.args === null
          ? {}
          : shallowObject(call.args, `${where}.functionCall.args`);
      const id = optString(call.id, `${where}.functionCall.id`) || `call_${turn}_${j}`;
      toolCalls.push({ id, name, arguments: JSON.stringify(args) });
      const ids = pending.get(name);
      if (ids === undefined) pending.set(name, [id]);
      else ids.push(id);
    } else if (text !== undefined) {
      if (optBoolean(part.thought, `${where}.thought`) === true) reasoning += text;
      else content.push(textPart(text));
    } else if (DATA_FIELDS.some((key) => part[key] != null) || part.thoughtSignature == null) {
      // An image or a result the model turn cannot carry, or nothing at all (a signature alone is fine).
      throw invalidRequest(`${where}: a model turn holds text and functionCall parts only`);
    }
  });
  return { role: Role.ASSISTANT, content, toolCalls, reasoning };
}

function userTurn(parts: JsonObject[], param: string, pending: Map<string, string[]>): MessageInit[] {
  const out: MessageInit[] = [];
  const content: PartInit[] = [];
  parts.forEach((part, j) => {
    const where = `${param}.parts[${j}]`;
    if (part.functionResponse !== undefined && part.functionResponse !== null) {
      out.push(
        functionResponse(expectObject(part.functionResponse, `${where}.functionResponse`), where, pending),
      );
    } else if (part.functionCall !== undefined && part.functionCall !== null) {
      throw invalidRequest(`${where}.functionCall: only a model turn may call a function`);
    } else if (part.inlineData !== undefined && part.inlineData !== null) {
      content.push(inlineImage(expectObject(part.inlineData, `${where}.inlineData`), `${where}.inlineData`));
    } else if (part.fileData !== undefined && part.fileData !== null) {
      content.push(fileImage(expectObject(part.fileData, `${where}.fileData`), `${where}.fileData`));
    } else {
      const text = optString(part.text, `${where}.text`);
      if (text === undefined) throw invalidRequest(`${where}: the part is empty`);
      content.push(textPart(text));
    }
  });
  if (content.length > 0) out.push({ role: Role.USER, content });
  return out;
}

function functionResponse(response: JsonObject, param: string, pending: Map<string, string[]>): MessageInit {
  const name = requiredName(response.name, `${param}.functionResponse.name`);
  let id = optString(response.id, `${param}.functionResponse.id`) ?? "";
  const ids = pending.get(name);
  if (id) {
    const k = ids?.indexOf(id) ?? -1;
    if (k >= 0) ids?.splice(k, 1);
  } else {
    id = ids?.shift() ?? "";
    if (!id)
      throw invalidRequest(
        `${param}.functionResponse "${name}" answers no functionCall of the model turn before it`,
      );
  }
  const result =
    response.response === undefined || response.response === null
      ? {}
      : shallowObject(response.response, `${param}.functionResponse.response`);
  return { role: Role.TOOL, toolCallId: id, name, content: [textPart(JSON.stringify(result))] };
}

function inlineImage(data: JsonObject, param: string): PartInit {
  const mimeType = imageType(data.mimeType, param);
  const base64 = optString(data.data, `${param}.data`);
  if (!base64) throw invalidRequest(`${param}.data is required`);
  if (!isBase64(base64, { urlSafe: true })) throw invalidRequest(`${param}.data must be base64`);
  return {
    part: {
      case: "image",
      value: { source: { case: "data", value: Buffer.from(base64, "base64") }, mediaType: mimeType },
    },
  };
}

function fileImage(file: JsonObject, param: string): PartInit {
  const mimeType = imageType(file.mimeType, param);
  const uri = optString(file.fileUri, `${param}.fileUri`);
  if (!uri || !/^https?:\/\//i.test(uri)) throw invalidRequest(`${param}.fileUri must be an http(s) URL`);
  return { part: { case: "image", value: { source: { case: "url", value: uri }, mediaType: mimeType } } };
}

/** Only images have a canonical form: audio, video and documents are refused rather than lost. */
function imageType(value: unknown, param: string): string {
  const mimeType = optString(value, `${param}.mimeType`);
  if (!mimeType) throw invalidRequest(`${param}.mimeType is required`);
  if (!/^image\/[\w.+-]+$/i.test(mimeType)) {
    throw invalidRequest(
      `${param}.mimeType ${JSON.stringify(mimeType)} is not supported; only images (image/*) can be sent`,
    );
  }
  return mimeType;
}

function requiredName(value: unknown, param: string): string {
  const name = optString(value, param);
  if (!name) throw invalidRequest(`${param} is required, got ${typeName(value)}`);
  return name;
}

function textPart(text: string): PartInit {
  return { part: { case: "text", value: text } };
}
