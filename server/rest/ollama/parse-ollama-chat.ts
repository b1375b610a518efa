import { create } from "@bufbuild/protobuf";
import { type ChatRequest, ChatRequestSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { expectObject, optArray } from "../openai/json-fields.ts";
import { parseTool } from "../openai/parse-chat-request.ts";
import { ollamaRequestFields, SHARED_FIELDS } from "./ollama-request-fields.ts";
import { parseOllamaMessages } from "./parse-ollama-messages.ts";

/** What a surface handler needs from an Ollama body besides the canonical request. */
export interface OllamaCall {
  readonly request: ChatRequest;
  readonly stream: boolean;
}

const MODELED = new Set([...SHARED_FIELDS, "messages", "tools"]);

/**
 * An Ollama `/api/chat` body to the canonical request, with errors that name
 * the field. `tools` have OpenAI's shape. An empty `messages` list is left
 * empty: Ollama answers it by loading the model (see ollama-chat.ts).
 */
export function parseOllamaChat(body: unknown): OllamaCall {
  const json = expectObject(body, "body");
  const { init, stream } = ollamaRequestFields(json, MODELED);
  const request = create(ChatRequestSchema, {
    ...init,
    messages: parseOllamaMessages(json.messages),
    tools: optArray(json.tools, "tools")?.map(parseTool) ?? [],
  });
  return { request, stream };
}
