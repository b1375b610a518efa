import type { ChatRequest } from "../../../gen/llmgw/v1/chat_pb.js";

import { unsupportedFeature } from "../unsupported-feature.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/generate-content,
 * `GenerationConfig` and `ToolConfig`): it has no logit bias and no switch to
 * forbid parallel function calls (`FunctionCallingConfig` has only `mode` and
 * `allowedFunctionNames`).
 */

/**
 * Rejects the canonical features Gemini cannot honour, naming the feature and
 * the provider, rather than dropping them and answering something the caller
 * did not ask for.
 */
export function rejectUnsupported(provider: string, request: ChatRequest): void {
  const api = unsupportedFeature(provider, "Gemini API");
  const reject = (feature: string, param: string, why: string) => api(feature, param, `: ${why}`);
  if (Object.keys(request.logitBias).length > 0) {
    throw reject("logit_bias", "logit_bias", "it has no token biasing");
  }
  if (request.parallelToolCalls === false) {
    throw reject(
      "parallel_tool_calls=false",
      "parallel_tool_calls",
      "it cannot forbid parallel function calls; leave parallel_tool_calls unset",
    );
  }
}
