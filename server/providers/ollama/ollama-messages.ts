import { type ContentPart, type Message, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";

/*
 * Follows Ollama's API reference for `POST /api/chat` messages:
 * - `role` is system, user, assistant or tool; the system prompt stays a
 *   message in place;
 * - `content` is one string, and `images` a list of base64 strings (no data:
 *   prefix, no URLs: Ollama never fetches an image);
 * - assistant `tool_calls` are `[{function: {name, arguments}}]` where
 *   `arguments` is a JSON object, not a string;
 * - assistant `thinking` carries earlier reasoning back;
 * - a tool result is `{role: "tool", content, tool_name}`: Ollama has no tool
 *   call ids, so the result names the tool it answers.
 */

/** One Ollama `messages` entry. */
export interface OllamaTurn {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  images?: string[];
  thinking?: string;
  tool_calls?: Array<{ function: { name: string; arguments: Record<string, unknown> } }>;
  tool_name?: string;
}

const DATA_URL = /^data:[^,]*;base64,/;

/**
 * The canonical conversation as Ollama messages, one for one. Rejects, naming
 * the message, tool-call arguments that are not a JSON object and images
 * given by URL.
 */
export function messagesToOllama(provider: string, messages: readonly Message[]): OllamaTurn[] {
  return messages.map((message, i) => {
    const turn: OllamaTurn = { role: roleToOllama(message.role), content: textOf(message.content) };
    const images = imagesOf(provider, message.content, i);
    if (images.length > 0) turn.images = images;
    if (message.role === Role.ASSISTANT) {
      if (message.reasoning) turn.thinking = message.reasoning;
      if (message.toolCalls.length > 0) {
        turn.tool_calls = message.toolCalls.map((call, j) => ({
          function: { name: call.name, arguments: toolArguments(provider, call.arguments, i, j) },
        }));
      }
    } else if (message.role === Role.TOOL) {
      const name = toolNameFor(messages, i, message);
      if (name) turn.tool_name = name;
    }
    return turn;
  });
}

function roleToOllama(role: Role): OllamaTurn["role"] {
  switch (role) {
    case Role.SYSTEM:
    case Role.DEVELOPER:
      return "system";
    case Role.ASSISTANT:
      return "assistant";
    case Role.TOOL:
      return "tool";
    default:
      return "user";
  }
}

/** Tool-call arguments as the JSON object Ollama's `arguments` must be. */
function toolArguments(provider: string, args: string, i: number, j: number): Record<string, unknown> {
  if (args.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    const param = `messages[${i}].tool_calls[${j}].function.arguments`;
    throw new GatewayError(
      "invalid_request",
      `${param} must be a JSON object for provider ${provider} (Ollama tool call arguments are an object)`,
      { param, provider },
    );
  }
  return parsed as Record<string, unknown>;
}

/** The tool a result answers: the name of the earlier call with its id, else the message's own name. */
function toolNameFor(messages: readonly Message[], index: number, message: Message): string {
  if (message.toolCallId) {
    for (let k = index - 1; k >= 0; k--) {
      const call = messages[k]?.toolCalls.find((c) => c.id === message.toolCallId);
      if (call !== undefined) return call.name;
    }
  }
  return message.name;
}

function imagesOf(provider: string, parts: readonly ContentPart[], i: number): string[] {
  const images: string[] = [];
  parts.forEach((part, k) => {
    if (part.part.case !== "image") return;
    const source = part.part.value.source;
    if (source.case === "data") images.push(Buffer.from(source.value).toString("base64"));
    else if (source.case === "url") {
      const match = DATA_URL.exec(source.value);
      if (match === null) {
        const param = `messages[${i}].content[${k}].image_url.url`;
        throw new GatewayError(
          "invalid_request",
          `image URLs are not supported by provider ${provider} (Ollama /api/chat takes base64 images only); send the image as a data: URL`,
          { param, provider },
        );
      }
      images.push(source.value.slice(match[0].length));
    }
  });
  return images;
}

function textOf(parts: readonly ContentPart[]): string {
  let text = "";
  for (const part of parts) if (part.part.case === "text") text += (text ? "\n" : "") + part.part.value;
  return text;
}
