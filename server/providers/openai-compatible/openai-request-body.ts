import {
  type ChatRequest,
  type ContentPart,
  type Message,
  ResponseFormatType,
  type ToolChoice,
  ToolChoiceMode,
} from "../../../gen/llmgw/v1/chat_pb.js";
import { roleToOpenAI } from "../../wire/openai/role.ts";
import type { MaxTokensField } from "../presets.ts";
import { reasoningEffort } from "./openai-reasoning.ts";

/**
 * Builds the OpenAI chat completions body for a canonical request, directly
 * as one object serialized once. `extra` goes in first so a modeled field
 * always wins over a pass-through field of the same name. The completion
 * limit goes in `maxTokensField`: OpenAI's reasoning models reject `max_tokens`.
 */
export function openAIRequestBody(
  request: ChatRequest,
  model: string,
  stream: boolean,
  streamUsage: boolean,
  maxTokensField: MaxTokensField = "max_tokens",
): string {
  const body: Record<string, unknown> = request.extra === undefined ? {} : { ...request.extra };
  body.model = model;
  body.messages = request.messages.map(messageToOpenAI);
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        ...(tool.parameters ? { parameters: tool.parameters } : {}),
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    }));
  }
  const toolChoice = toolChoiceToOpenAI(request.toolChoice);
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  const format = request.responseFormat;
  if (format !== undefined && format.type !== ResponseFormatType.UNSPECIFIED) {
    if (format.type === ResponseFormatType.TEXT) body.response_format = { type: "text" };
    else if (format.type === ResponseFormatType.JSON_OBJECT) body.response_format = { type: "json_object" };
    else {
      body.response_format = {
        type: "json_schema",
        json_schema: {
          name: format.name || "response",
          ...(format.description ? { description: format.description } : {}),
          schema: format.schema ?? {},
          ...(format.strict !== undefined ? { strict: format.strict } : {}),
        },
      };
    }
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body[maxTokensField] = request.maxTokens;
  if (request.stop.length > 0) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = Number(request.seed);
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.n !== undefined) body.n = request.n;
  if (request.logprobs !== undefined) body.logprobs = request.logprobs;
  if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  const effort = reasoningEffort(request.reasoning);
  if (effort !== undefined) body.reasoning_effort = effort;
  if (request.user) body.user = request.user;
  if (Object.keys(request.metadata).length > 0) body.metadata = request.metadata;
  if (Object.keys(request.logitBias).length > 0) body.logit_bias = request.logitBias;
  body.stream = stream;
  if (stream && streamUsage) body.stream_options = { include_usage: true };
  return JSON.stringify(body);
}

function messageToOpenAI(message: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {
    role: roleToOpenAI(message.role),
    content: contentToOpenAI(message),
  };
  if (message.name) out.name = message.name;
  if (message.toolCallId) out.tool_call_id = message.toolCallId;
  if (message.refusal) out.refusal = message.refusal;
  if (message.toolCalls.length > 0) {
    out.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return out;
}

/** One text part travels as a plain string, which every OpenAI-compatible server accepts. */
function contentToOpenAI(message: Message): unknown {
  const parts = message.content;
  if (parts.length === 0) return message.toolCalls.length > 0 ? null : "";
  const only = parts[0];
  if (parts.length === 1 && only?.part.case === "text") return only.part.value;
  return parts.map(partToOpenAI);
}

function partToOpenAI(part: ContentPart): Record<string, unknown> {
  if (part.part.case === "image") {
    const image = part.part.value;
    const url =
      image.source.case === "data"
        ? `data:${image.mediaType || "image/png"};base64,${Buffer.from(image.source.value).toString("base64")}`
        : (image.source.value ?? "");
    return { type: "image_url", image_url: { url, ...(image.detail ? { detail: image.detail } : {}) } };
  }
  return { type: "text", text: part.part.value ?? "" };
}

function toolChoiceToOpenAI(choice: ToolChoice | undefined): unknown {
  switch (choice?.choice.case) {
    case "function":
      return { type: "function", function: { name: choice.choice.value } };
    case "mode":
      if (choice.choice.value === ToolChoiceMode.NONE) return "none";
      if (choice.choice.value === ToolChoiceMode.AUTO) return "auto";
      if (choice.choice.value === ToolChoiceMode.REQUIRED) return "required";
      return undefined;
    default:
      return undefined;
  }
}
