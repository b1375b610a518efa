import { create } from "@bufbuild/protobuf";
import { type Message, MessageSchema, Role, type StreamResponse } from "../gen/llmgw/v1/chat_pb.js";

/** A user message with one text part. */
export function userMessage(text: string): Message {
  return textMessage(Role.USER, text);
}

/** A system message with one text part. */
export function systemMessage(text: string): Message {
  return textMessage(Role.SYSTEM, text);
}

function textMessage(role: Role, text: string): Message {
  return create(MessageSchema, { role, content: [{ part: { case: "text", value: text } }] });
}

/**
 * The answer text of a `ChatService.Stream` call, piece by piece, for the
 * common case of one choice and no tools. The stream's other events (finish,
 * usage) are consumed and dropped; iterate the events yourself to keep them.
 * Leaving the loop stops reading but cancels the call only if `events` does
 * so on its own: `streamChatText` (chat.ts) does, a bare `client.chat.stream`
 * does not.
 */
export async function* streamText(events: AsyncIterable<StreamResponse>): AsyncGenerator<string> {
  for await (const event of events) {
    if (event.event.case === "delta" && event.event.value.text !== "") yield event.event.value.text;
  }
}
