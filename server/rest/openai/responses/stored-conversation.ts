import { create, fromJson, type JsonObject, type JsonValue, toJson } from "@bufbuild/protobuf";
import { type Message, MessageSchema } from "../../../../gen/llmgw/v1/chat_pb.js";
import type { KeyInfo } from "../../../core/call.ts";
import type { StoredResponses } from "../../../core/services.ts";
import { GatewayError } from "../../../errors/gateway-error.ts";
import type { StoredResponse } from "../../../state/response-store.ts";
import { parseInput } from "./parse-input-items.ts";
import { responseIdOfItem } from "./response-ids.ts";

/**
 * What a stored response holds and how it is read back: the canonical
 * conversation (proto JSON, so every field survives) and the response
 * object. A key reads only its own responses; an admin reads any. Someone
 * else's response is "not found", so ids cannot be probed.
 */

/** The stored response with this id, if `key` may use it; otherwise `not_found` in OpenAI's words. */
export async function ownResponse(
  store: StoredResponses,
  id: string,
  key: KeyInfo,
  param?: string,
): Promise<StoredResponse> {
  const stored = await store.get(id);
  if (stored === undefined || !(key.admin || stored.keyName === key.name)) {
    const what = param === "previous_response_id" ? "Previous response" : "Response";
    throw new GatewayError(
      "not_found",
      `${what} with id '${id}' not found.`,
      param === undefined ? {} : { param },
    );
  }
  return stored;
}

/** The conversation a stored response ends, as canonical messages. */
export function storedConversation(stored: StoredResponse): Message[] {
  return (JSON.parse(stored.conversation) as JsonValue[]).map((m) => fromJson(MessageSchema, m));
}

export function conversationJson(messages: readonly Message[]): string {
  return JSON.stringify(messages.map((m) => toJson(MessageSchema, m)));
}

/** A response's output items as the canonical messages a continuation sends back. */
export function outputMessages(output: readonly JsonObject[]): Message[] {
  return parseInput(output as JsonObject[], undefined, "output").map((m) => create(MessageSchema, m));
}

/**
 * The items `item_reference`s point at, from the responses they belong to
 * (each read once), by id. An id that is not ours, or in a response the key
 * may not use, is left out, and the parser then names it.
 */
export async function referencedItems(
  store: StoredResponses,
  ids: readonly string[],
  key: KeyInfo,
): Promise<Map<string, JsonObject>> {
  const items = new Map<string, JsonObject>();
  const responses = new Map<string, Promise<StoredResponse | undefined>>();
  for (const id of ids) {
    const responseId = responseIdOfItem(id);
    if (responseId === undefined) continue;
    let pending = responses.get(responseId);
    if (pending === undefined) {
      pending = ownResponse(store, responseId, key).catch((error: unknown) => {
        if (error instanceof GatewayError && error.code === "not_found") return undefined;
        throw error;
      });
      responses.set(responseId, pending);
    }
    const stored = await pending;
    if (stored === undefined) continue;
    const output = (JSON.parse(stored.response) as { output?: JsonObject[] }).output ?? [];
    const item = output.find((o) => o.id === id);
    if (item !== undefined) items.set(id, item);
  }
  return items;
}
