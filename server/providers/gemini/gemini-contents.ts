import { type ContentPart, type Message, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content and
 * ai.google.dev/gemini-api/docs/function-calling):
 * - system text is the top-level `systemInstruction: {parts:[{text}]}`;
 * - `contents` hold turns with role `user` or `model`, each a list of
 *   `parts`: `text`, `inlineData {mimeType, data (base64)}`,
 *   `fileData {mimeType, fileUri}`, `functionCall {name, args (object)}`,
 *   `functionResponse {name, response (object)}`;
 * - function results go back in a `user` turn (the docs' REST examples), all
 *   results of one model turn together, and Gemini matches them to calls by
 *   function name, not by id;
 * - Gemini 3 models require the `thoughtSignature` of the first
 *   `functionCall` part of a model turn when it is replayed; the canonical
 *   model does not keep it, so the documented placeholder
 *   `skip_thought_signature_validator` (docs/thought-signatures) stands in.
 */

type Part = Record<string, unknown>;

/** A Gemini `contents` entry. */
export interface GeminiTurn {
  role: "user" | "model";
  parts: Part[];
}

/** The `systemInstruction` and `contents` of a Gemini request. */
export interface GeminiConversation {
  systemInstruction: { parts: Part[] } | undefined;
  contents: GeminiTurn[];
}

/** What Gemini 3 accepts in place of a thought signature the gateway did not keep. */
export const SKIP_THOUGHT_SIGNATURE = "skip_thought_signature_validator";

/** Image media types inferred from an http(s) URL's file extension, for `fileData`. */
const EXTENSION_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
};

/**
 * Splits the canonical conversation into Gemini's `systemInstruction` and
 * `contents`. Consecutive turns of one role are merged, so the function
 * responses answering one model turn land in one user turn.
 */
export function conversationToGemini(provider: string, messages: readonly Message[]): GeminiConversation {
  const system: Part[] = [];
  const contents: GeminiTurn[] = [];
  messages.forEach((message, i) => {
    if (message.role === Role.SYSTEM || message.role === Role.DEVELOPER) {
      const text = textOf(message.content);
      if (text !== "") system.push({ text });
      return;
    }
    const role = message.role === Role.ASSISTANT ? "model" : "user";
    const parts =
      message.role === Role.TOOL
        ? functionResponse(provider, messages, message, i)
        : message.role === Role.ASSISTANT
          ? modelParts(provider, message, i)
          : message.content.flatMap((part, j) => partToGemini(provider, part, i, j));
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  });
  return { systemInstruction: system.length === 0 ? undefined : { parts: system }, contents };
}

function modelParts(provider: string, message: Message, i: number): Part[] {
  const parts = message.content.flatMap((part, j) => partToGemini(provider, part, i, j));
  message.toolCalls.forEach((call, j) => {
    const part: Part = { functionCall: { name: call.name, args: toolArgs(provider, call.arguments, i, j) } };
    if (j === 0) part.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
    parts.push(part);
  });
  return parts;
}

/** Tool-call arguments as the JSON object Gemini's `args` must be. */
function toolArgs(provider: string, args: string, i: number, j: number): unknown {
  if (args.trim() === "") return {};
  const parsed = parseJson(args);
  if (!isObject(parsed)) {
    const param = `messages[${i}].tool_calls[${j}].function.arguments`;
    throw new GatewayError(
      "invalid_request",
      `${param} must be a JSON object for provider ${provider} (Gemini functionCall args)`,
      { param, provider },
    );
  }
  return parsed;
}

/** A tool message as a `functionResponse` part, named after the call it answers. */
function functionResponse(
  provider: string,
  messages: readonly Message[],
  message: Message,
  i: number,
): Part[] {
  const name = toolCallName(messages, message.toolCallId, i) || message.name;
  if (!name) {
    const param = `messages[${i}].tool_call_id`;
    throw new GatewayError(
      "invalid_request",
      `${param} "${message.toolCallId}" matches no tool call of an earlier assistant message; provider ${provider} (Gemini API) matches function responses by name`,
      { param, provider },
    );
  }
  const text = textOf(message.content);
  const parsed = parseJson(text);
  const parts: Part[] = [
    { functionResponse: { name, response: isObject(parsed) ? parsed : { result: text } } },
  ];
  message.content.forEach((part, j) => {
    if (part.part.case === "image") parts.push(...partToGemini(provider, part, i, j));
  });
  return parts;
}

/** The function name of the nearest earlier assistant tool call with this id. */
function toolCallName(messages: readonly Message[], id: string, before: number): string {
  for (let k = before - 1; k >= 0; k--) {
    const message = messages[k];
    if (message?.role !== Role.ASSISTANT) continue;
    const call = message.toolCalls.find((c) => c.id === id);
    if (call !== undefined) return call.name;
  }
  return "";
}

function partToGemini(provider: string, part: ContentPart, i: number, j: number): Part[] {
  if (part.part.case === "text") return part.part.value === "" ? [] : [{ text: part.part.value }];
  if (part.part.case !== "image") return [];
  const image = part.part.value;
  if (image.source.case === "data") {
    const data = Buffer.from(image.source.value).toString("base64");
    return [{ inlineData: { mimeType: image.mediaType || "image/png", data } }];
  }
  if (image.source.case !== "url") return [];
  const url = image.source.value;
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (inline) return [{ inlineData: { mimeType: inline[1], data: inline[2] } }];
  const mimeType = image.mediaType || typeFromUrl(url);
  if (mimeType === undefined) {
    const param = `messages[${i}].content[${j}].image_url`;
    throw new GatewayError(
      "invalid_request",
      `${param}: provider ${provider} (Gemini API) needs the media type of an image URL, and none can be inferred from ${JSON.stringify(url.slice(0, 100))}; send the image as a data: URL`,
      { param, provider },
    );
  }
  return [{ fileData: { mimeType, fileUri: url } }];
}

function typeFromUrl(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : EXTENSION_TYPES[extension];
}

function textOf(parts: readonly ContentPart[]): string {
  let text = "";
  for (const part of parts) if (part.part.case === "text") text += (text ? "\n" : "") + part.part.value;
  return text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
