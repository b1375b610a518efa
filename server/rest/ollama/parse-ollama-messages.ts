import type { MessageInitShape } from "@bufbuild/protobuf";
import { type MessageSchema, Role, type ToolCallSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject, isObject, optArray, optString, typeName } from "../openai/json-fields.ts";
import { parseOllamaImages } from "./parse-ollama-images.ts";

type MessageInit = MessageInitShape<typeof MessageSchema>;
type ToolCallInit = MessageInitShape<typeof ToolCallSchema>;

const ROLES: Record<string, Role> = {
  system: Role.SYSTEM,
  user: Role.USER,
  assistant: Role.ASSISTANT,
  tool: Role.TOOL,
};

/**
 * Ollama `messages[]` to canonical messages: `content` a string, `images`
 * base64 strings, assistant `thinking` and `tool_calls` (arguments as a JSON
 * object), and tool results `{role: "tool", content, tool_name}`.
 *
 * Ollama tool calls carry no ids (recent versions may), while the canonical
 * model and OpenAI-compatible upstreams pair each result with its call by
 * id. So a call without one gets `call_<message>_<call>`, and a tool result
 * answers the first still-unanswered call of the same name (or the first
 * unanswered call, when it names none); a result with nothing to answer is
 * refused rather than sent as an orphan.
 */
export function parseOllamaMessages(value: unknown): MessageInit[] {
  const list = optArray(value, "messages") ?? [];
  let open: ToolCallInit[] = [];
  return list.map((item, i) => {
    const param = `messages[${i}]`;
    const message = expectObject(item, param);
    const role = typeof message.role === "string" ? ROLES[message.role] : undefined;
    if (role === undefined) {
      throw invalidRequest(
        `${param}.role must be system, user, assistant or tool, got ${JSON.stringify(message.role ?? null)}`,
        `${param}.role`,
      );
    }
    const text = optString(message.content, `${param}.content`) ?? "";
    const content: MessageInit["content"] = text === "" ? [] : [{ part: { case: "text", value: text } }];
    content.push(...parseOllamaImages(message.images, `${param}.images`));
    const out: MessageInit = { role, content };
    if (role === Role.ASSISTANT) {
      out.reasoning = optString(message.thinking, `${param}.thinking`) ?? "";
      open = (optArray(message.tool_calls, `${param}.tool_calls`) ?? []).map((call, j) =>
        parseToolCall(call, `${param}.tool_calls[${j}]`, `call_${i}_${j}`),
      );
      out.toolCalls = [...open];
    } else if (message.tool_calls !== undefined && message.tool_calls !== null) {
      throw invalidRequest("only assistant messages may carry tool_calls", `${param}.tool_calls`);
    }
    if (role === Role.TOOL) {
      const name = optString(message.tool_name, `${param}.tool_name`) ?? "";
      const id = optString(message.tool_call_id, `${param}.tool_call_id`) ?? "";
      const k = open.findIndex((call) => (id ? call.id === id : !name || call.name === name));
      const answered = open[k];
      if (answered === undefined) {
        throw invalidRequest(
          `${param} is a tool result${name ? ` for ${JSON.stringify(name)}` : ""}, but no earlier assistant tool call is left for it to answer`,
          `${param}.tool_name`,
        );
      }
      open.splice(k, 1);
      out.toolCallId = answered.id as string;
      out.name = name || (answered.name as string);
    }
    return out;
  });
}

function parseToolCall(value: unknown, param: string, fallbackId: string): ToolCallInit {
  const call = expectObject(value, param);
  const fn = expectObject(call.function, `${param}.function`);
  const name = optString(fn.name, `${param}.function.name`);
  if (!name) throw invalidRequest(`${param}.function.name is required`, `${param}.function.name`);
  const args = fn.arguments;
  if (args !== undefined && args !== null && !isObject(args)) {
    throw invalidRequest(
      `${param}.function.arguments must be an object, got ${typeName(args)}`,
      `${param}.function.arguments`,
    );
  }
  return {
    id: optString(call.id, `${param}.id`) || fallbackId,
    name,
    arguments: JSON.stringify(args ?? {}),
  };
}
