import { type ChatRequest, Role } from "../../../gen/llmgw/v1/chat_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.ts";

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** A `logit_bias` key: a token id, in decimal. */
const TOKEN_ID = /^(0|[1-9][0-9]{0,9})$/;
/** The roles the proto defines; a binary or JSON RPC request may carry any other number. */
const ROLES = new Set(Object.values(Role).filter((value) => typeof value === "number"));

/**
 * Checks a canonical request before it costs anything upstream. Whatever the
 * surface, the caller learns which field is wrong (named OpenAI-style).
 */
export function validateChat(request: ChatRequest): void {
  if (request.model === "") throw invalidRequest("you must provide a model parameter", "model");
  if (request.messages.length === 0)
    throw invalidRequest("messages must contain at least one message", "messages");
  request.messages.forEach((message, i) => {
    if (message.role === Role.UNSPECIFIED)
      throw invalidRequest("each message needs a role", `messages[${i}].role`);
    if (!ROLES.has(message.role)) throw invalidRequest(`unknown role ${message.role}`, `messages[${i}].role`);
    if (message.role === Role.TOOL && message.toolCallId === "") {
      throw invalidRequest("a tool message needs tool_call_id", `messages[${i}].tool_call_id`);
    }
    if (message.toolCalls.length > 0 && message.role !== Role.ASSISTANT) {
      throw invalidRequest("only assistant messages may carry tool_calls", `messages[${i}].tool_calls`);
    }
  });
  const names = new Set<string>();
  request.tools.forEach((tool, i) => {
    if (!TOOL_NAME.test(tool.name)) {
      throw invalidRequest(
        "tool names must be 1-64 letters, digits, '_' or '-'",
        `tools[${i}].function.name`,
      );
    }
    if (names.has(tool.name))
      throw invalidRequest(`duplicate tool "${tool.name}"`, `tools[${i}].function.name`);
    names.add(tool.name);
    shallow(tool.parameters, `tools[${i}].function.parameters`);
  });
  shallow(request.extra, "extra");
  shallow(request.responseFormat?.schema, "response_format.json_schema.schema");
  const choice = request.toolChoice?.choice;
  if (choice?.case === "function" && !names.has(choice.value)) {
    throw invalidRequest(`tool_choice names "${choice.value}", which is not in tools`, "tool_choice");
  }
  range(request.temperature, 0, 2, "temperature");
  range(request.topP, 0, 1, "top_p");
  range(request.presencePenalty, -2, 2, "presence_penalty");
  range(request.frequencyPenalty, -2, 2, "frequency_penalty");
  if (request.n !== undefined) range(request.n, 1, 128, "n");
  if (request.maxTokens !== undefined && request.maxTokens < 1)
    throw invalidRequest("must be at least 1", "max_tokens");
  if (request.topLogprobs !== undefined) range(request.topLogprobs, 0, 20, "top_logprobs");
  for (const [token, bias] of Object.entries(request.logitBias)) {
    if (!TOKEN_ID.test(token)) {
      throw invalidRequest(
        `logit_bias keys are token ids, got ${JSON.stringify(token.slice(0, 40))}`,
        "logit_bias",
      );
    }
    range(bias, -100, 100, `logit_bias.${token}`);
  }
}

/** Refuses a free-form JSON field nested too deep to forward safely. */
function shallow(value: unknown, param: string): void {
  if (value !== undefined && nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    throw invalidRequest(`${param} nests deeper than ${MAX_JSON_DEPTH} levels`, param);
  }
}

function range(value: number | undefined, min: number, max: number, param: string): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw invalidRequest(`${param} must be between ${min} and ${max}, got ${value}`, param);
  }
}
