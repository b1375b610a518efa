import { type ContentPart, type Message, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import {
  type ChatTemplateName,
  type RenderedPrompt,
  renderChat,
  type TemplateTurn,
} from "./chat-templates.ts";

/**
 * Reduces the canonical conversation to text turns (developer counts as
 * system; text parts joined by newlines) and renders them with the
 * provider's chat template. Tools and images were rejected before.
 */
export function promptFor(template: ChatTemplateName, messages: readonly Message[]): RenderedPrompt {
  const turns: TemplateTurn[] = messages.map((message) => ({
    role:
      message.role === Role.ASSISTANT
        ? "assistant"
        : message.role === Role.SYSTEM || message.role === Role.DEVELOPER
          ? "system"
          : "user",
    text: textOf(message.content),
  }));
  return renderChat(template, turns);
}

function textOf(parts: readonly ContentPart[]): string {
  let text = "";
  for (const part of parts) if (part.part.case === "text") text += (text ? "\n" : "") + part.part.value;
  return text;
}
