import { type ChatRequest, ResponseFormatType, ToolChoiceMode } from "../../../gen/llmgw/v1/chat_pb.js";
import { messagesToOllama } from "./ollama-messages.ts";
import { splitExtra } from "./ollama-options.ts";
import { ollamaThink } from "./ollama-think.ts";
import { rejectUnsupported } from "./ollama-unsupported.ts";

/*
 * Follows Ollama's API reference for `POST /api/chat`:
 * - `model`, `messages`, `tools` (`[{type:"function", function:{name,
 *   description, parameters}}]`), `format` (`"json"` or a JSON schema object),
 *   `options` (sampling and runner settings), `stream`, `keep_alive`, `think`;
 * - `stream` defaults to true, so it is always sent explicitly;
 * - the sampling fields live in `options`: `temperature`, `top_p`,
 *   `num_predict` (max tokens), `stop`, `seed`, `presence_penalty`,
 *   `frequency_penalty`;
 * - `think` (see ollama-think.ts) from the canonical reasoning config.
 */

/**
 * Builds the Ollama chat body for a canonical request, as one object
 * serialized once. `extra` is split by splitExtra (known option names into
 * `options`, the rest top-level) and goes in first, so a modeled field always
 * wins over a pass-through field of the same name. Rejects, naming the
 * feature, what Ollama cannot honour.
 */
export function ollamaRequestBody(
  provider: string,
  request: ChatRequest,
  model: string,
  stream: boolean,
): string {
  rejectUnsupported(provider, request);
  const { topLevel, options } = splitExtra(request.extra);
  const body: Record<string, unknown> = topLevel;
  body.model = model;
  body.messages = messagesToOllama(provider, request.messages);
  const noTools =
    request.toolChoice?.choice.case === "mode" && request.toolChoice.choice.value === ToolChoiceMode.NONE;
  if (request.tools.length > 0 && !noTools) {
    body.tools = request.tools.map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.parameters ?? { type: "object", properties: {} },
      },
    }));
  }
  const format = request.responseFormat;
  if (format?.type === ResponseFormatType.JSON_OBJECT) body.format = "json";
  else if (format?.type === ResponseFormatType.JSON_SCHEMA) body.format = format.schema ?? "json";
  // Ollama's `think` takes no budget: any reasoning config but "off" turns thinking on.
  if (request.reasoning !== undefined) body.think = request.reasoning.enabled !== false;
  if (request.temperature !== undefined) options.temperature = request.temperature;
  if (request.topP !== undefined) options.top_p = request.topP;
  if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
  if (request.stop.length > 0) options.stop = request.stop;
  if (request.seed !== undefined) options.seed = Number(request.seed);
  if (request.presencePenalty !== undefined) options.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) options.frequency_penalty = request.frequencyPenalty;
  if (Object.keys(options).length > 0) body.options = options;
  const think = ollamaThink(request.reasoning);
  if (think !== undefined) body.think = think;
  body.stream = stream;
  return JSON.stringify(body);
}
