/*
 * Follows OpenAI's chat completions request reference (the request fields as
 * of 2025) and Gemini's GenerateContentRequest (ai.google.dev/api/generate-content),
 * which answers 400 "Unknown name" for any field it does not define.
 */

/**
 * OpenAI chat completions request fields that Gemini's generateContent does
 * not define under any spelling. OpenAI-shaped callers (SDKs, coding agents)
 * send several of them by habit (`store`, `user`, `metadata`,
 * `parallel_tool_calls`...), and the OpenAI shim carries what it does not
 * model in `extra`; sent on to Gemini, each would fail the whole request. So
 * these are dropped from `extra` for Gemini, and every other key still passes
 * through, so that a new Gemini field needs no gateway release.
 *
 * Names that are also Gemini fields once camelCased (`top_k`, `temperature`,
 * `seed`, `logprobs`, `tools`...) are not here: they go where Gemini wants
 * them (see gemini-request-body.ts). The modeled ones (`stop`, `max_tokens`,
 * `response_format`...) reach `extra` only from a caller that puts them there
 * by hand; their canonical fields are what the adapter translates.
 */
export const OPENAI_ONLY_KEYS: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "store",
  "service_tier",
  "reasoning_effort",
  "modalities",
  "audio",
  "prediction",
  "parallel_tool_calls",
  "user",
  "metadata",
  "logit_bias",
  "stream",
  "stream_options",
  "functions",
  "function_call",
  "max_tokens",
  "max_completion_tokens",
  "n",
  "stop",
  "top_logprobs",
  "response_format",
  "tool_choice",
  "web_search_options",
  "verbosity",
  "prompt_cache_key",
  "safety_identifier",
]);
