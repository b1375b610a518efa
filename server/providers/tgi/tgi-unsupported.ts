import { type ChatRequest, Role } from "../../../gen/llmgw/v1/chat_pb.js";

import { unsupportedFeature } from "../unsupported-feature.ts";

/*
 * Follows TGI's native `/generate` API: one prompt in, one text out. It has
 * no tools, no images, one sequence per request (`best_of` picks among
 * samples but still returns one), no OpenAI-style logprobs, logit_bias or
 * presence penalty, and `frequency_penalty` only in recent releases. Both
 * penalties are rejected; TGI's own `repetition_penalty` travels in `extra`.
 */

/**
 * Rejects the canonical features the native API cannot honour, naming the
 * feature and the provider. Tools and images point the caller at TGI's own
 * OpenAI-compatible route, which handles both.
 */
export function rejectUnsupported(provider: string, baseUrl: string, request: ChatRequest): void {
  const reject = unsupportedFeature(provider, "TGI native /generate API");
  const openAIRoute =
    `: use TGI's OpenAI-compatible route instead, by configuring a provider with type: openai` +
    ` and base_url ${baseUrl.replace(/\/+$/, "")}/v1`;
  if (request.tools.length > 0) throw reject("tools", "tools", openAIRoute);
  if (request.toolChoice !== undefined && request.toolChoice.choice.case !== undefined)
    throw reject("tool_choice", "tool_choice", openAIRoute);
  request.messages.forEach((message, i) => {
    if (message.toolCalls.length > 0 || message.role === Role.TOOL) {
      throw reject(`tool calls (messages[${i}])`, `messages[${i}]`, openAIRoute);
    }
    if (message.content.some((part) => part.part.case === "image")) {
      throw reject(`images (messages[${i}])`, `messages[${i}].content`, openAIRoute);
    }
  });
  if (request.n !== undefined && request.n > 1)
    throw reject(`n=${request.n}`, "n", ": it returns one choice");
  if (request.logprobs === true) throw reject("logprobs", "logprobs");
  if (request.topLogprobs !== undefined && request.topLogprobs > 0)
    throw reject("top_logprobs", "top_logprobs");
  if (Object.keys(request.logitBias).length > 0) throw reject("logit_bias", "logit_bias");
  if (request.presencePenalty !== undefined) throw reject("presence_penalty", "presence_penalty");
  if (request.frequencyPenalty !== undefined) {
    throw reject(
      "frequency_penalty",
      "frequency_penalty",
      ": pass TGI's own repetition_penalty as an extra parameter instead",
    );
  }
}
