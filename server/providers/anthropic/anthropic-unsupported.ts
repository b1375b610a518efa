import { type ChatRequest, ResponseFormatType } from "../../../gen/llmgw/v1/chat_pb.js";

import { unsupportedFeature } from "../unsupported-feature.ts";

/*
 * Follows the Anthropic Messages API as documented: its request has no `n`,
 * `logprobs`/`top_logprobs`, `response_format`, `seed`, `presence_penalty`,
 * `frequency_penalty` or `logit_bias`, and it answers with exactly one message.
 */

/**
 * Rejects the canonical features Anthropic cannot honour, naming the feature
 * and the provider, rather than dropping them and answering something the
 * caller did not ask for.
 */
export function rejectUnsupported(provider: string, request: ChatRequest): void {
  const reject = unsupportedFeature(provider, "Anthropic Messages API");
  if (request.n !== undefined && request.n > 1)
    throw reject(`n=${request.n}`, "n", ": it returns one choice");
  if (request.logprobs === true) throw reject("logprobs", "logprobs");
  if (request.topLogprobs !== undefined && request.topLogprobs > 0)
    throw reject("top_logprobs", "top_logprobs");
  const format = request.responseFormat?.type;
  if (format === ResponseFormatType.JSON_OBJECT || format === ResponseFormatType.JSON_SCHEMA) {
    const name = format === ResponseFormatType.JSON_OBJECT ? "json_object" : "json_schema";
    throw reject(
      `response_format ${name}`,
      "response_format",
      ": it has no JSON mode; describe the JSON in the prompt or use a tool with an input schema",
    );
  }
  if (request.seed !== undefined) throw reject("seed", "seed");
  if (request.presencePenalty !== undefined) throw reject("presence_penalty", "presence_penalty");
  if (request.frequencyPenalty !== undefined) throw reject("frequency_penalty", "frequency_penalty");
  if (Object.keys(request.logitBias).length > 0) throw reject("logit_bias", "logit_bias");
}
