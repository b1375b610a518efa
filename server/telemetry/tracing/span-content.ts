import { type Message, Role } from "../../../gen/llmgw/v1/chat_pb.js";

/**
 * The request's messages as the GenAI conventions' `gen_ai.input.messages`
 * JSON (text parts only; an image is noted, never copied). The call's chat
 * is read after the guards ran, so what they masked stays masked.
 */
export function inputMessages(messages: readonly Message[]): string {
  return JSON.stringify(
    messages.map((message) => ({
      role: roleName(message.role),
      parts: message.content.map((part) =>
        part.part.case === "text" ? { type: "text", content: part.part.value } : { type: "image" },
      ),
    })),
  );
}

/** An answer's text as `gen_ai.output.messages` JSON. */
export function outputMessages(texts: readonly string[]): string {
  return JSON.stringify(texts.map((content) => ({ role: "assistant", parts: [{ type: "text", content }] })));
}

function roleName(role: Role): string {
  switch (role) {
    case Role.SYSTEM:
      return "system";
    case Role.DEVELOPER:
      return "developer";
    case Role.USER:
      return "user";
    case Role.ASSISTANT:
      return "assistant";
    case Role.TOOL:
      return "tool";
    default:
      return "unknown";
  }
}
