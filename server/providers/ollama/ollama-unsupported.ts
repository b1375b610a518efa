import { type ChatRequest, ToolChoiceMode } from "../../../gen/llmgw/v1/chat_pb.js";

import { unsupportedFeature } from "../unsupported-feature.ts";

/*
 * Follows Ollama's API reference for `POST /api/chat`: the request has no
 * `n`, no `logprobs`/`top_logprobs`, no `logit_bias` and no `tool_choice`
 * (the model decides whether to call a tool), and it answers with exactly one
 * message.
 */

/**
 * Rejects the canonical features Ollama cannot honour, naming the feature and
 * the provider, rather than dropping them and answering something the caller
 * did not ask for. `tool_choice: none` is honoured by not sending the tools,
 * and `auto` is Ollama's only behaviour, so only `required` and a named
 * function are refused.
 */
export function rejectUnsupported(provider: string, request: ChatRequest): void {
  const reject = unsupportedFeature(provider, "Ollama /api/chat");
  if (request.n !== undefined && request.n > 1)
    throw reject(`n=${request.n}`, "n", ": it returns one choice");
  if (request.logprobs === true) throw reject("logprobs", "logprobs");
  if (request.topLogprobs !== undefined && request.topLogprobs > 0)
    throw reject("top_logprobs", "top_logprobs");
  if (Object.keys(request.logitBias).length > 0) throw reject("logit_bias", "logit_bias");
  const choice = request.toolChoice?.choice;
  if (choice?.case === "function") {
    throw reject(
      `tool_choice naming function ${JSON.stringify(choice.value)}`,
      "tool_choice",
      ": it has no tool_choice; only auto and none can be honoured",
    );
  }
  if (choice?.case === "mode" && choice.value === ToolChoiceMode.REQUIRED) {
    throw reject(
      "tool_choice required",
      "tool_choice",
      ": it has no tool_choice; only auto and none can be honoured",
    );
  }
}
