import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CallOptions } from "@connectrpc/connect";
import type { ChatRequestSchema, StreamResponse } from "../gen/llmgw/v1/chat_pb.js";
import type { LlmgwClient } from "./client.ts";
import { streamText } from "./messages.ts";
import { cancelOnExit } from "./streams.ts";

/** What the chat helpers need of a client. */
export type ChatClient = Pick<LlmgwClient, "chat">;

/** A chat request: the model, the messages and any other ChatRequest field. */
export type ChatInit = MessageInitShape<typeof ChatRequestSchema>;

/**
 * Every event of a streamed chat (deltas, tool calls, finish, and the final
 * usage report). Stopping the loop (`break`, `return`, a throw) or aborting
 * `call.signal` cancels the RPC, and the gateway aborts the upstream request
 * at once; an abort through the signal ends the loop with Connect's `Canceled`.
 *
 * @example
 * for await (const event of streamChat(llmgw, { model: "fast", messages: [userMessage("Hi")] })) {
 *   if (event.event.case === "usage") console.log(event.event.value.usage);
 * }
 */
export function streamChat(
  client: ChatClient,
  chat: ChatInit,
  call: CallOptions = {},
): AsyncGenerator<StreamResponse> {
  return cancelOnExit((signal) => client.chat.stream({ chat }, { ...call, signal }), call.signal);
}

/**
 * The answer text of a streamed chat, piece by piece (one choice, no tools),
 * cancelling the RPC when the reader stops, as `streamChat` does.
 *
 * @example
 * for await (const text of streamChatText(llmgw, { model: "fast", messages: [userMessage("Hi")] })) {
 *   process.stdout.write(text);
 *   if (enough) break; // the gateway stops the upstream here
 * }
 */
export function streamChatText(
  client: ChatClient,
  chat: ChatInit,
  call: CallOptions = {},
): AsyncGenerator<string> {
  return streamText(streamChat(client, chat, call));
}

/** The text of a unary chat's first choice ("" when it has none). */
export async function completeText(client: ChatClient, chat: ChatInit, call?: CallOptions): Promise<string> {
  const reply = await client.chat.complete({ chat }, call);
  let text = "";
  for (const part of reply.choices[0]?.message?.content ?? []) {
    if (part.part.case === "text") text += part.part.value;
  }
  return text;
}
