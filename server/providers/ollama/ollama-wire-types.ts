/**
 * The shapes of Ollama `/api/chat` and `/api/tags` answers that the adapter
 * reads, as documented in Ollama's API reference (docs/api.md) and its Go
 * types (api/types.go): one object per NDJSON line when streaming, the same
 * object once when not. Every field is optional: the parsers check what they
 * use, so a drifting upstream fails clearly.
 */

/** One tool call; Ollama sends it whole, with `arguments` as a JSON object. */
export interface OllamaToolCall {
  /** Only recent Ollama versions send an id; older ones send none. */
  id?: string;
  function?: { index?: number; name?: string; arguments?: unknown };
}

/** The assistant `message` of an answer or of one streamed line. */
export interface OllamaMessage {
  role?: string;
  content?: string;
  /** The model's reasoning, when the request set `think`. */
  thinking?: string;
  tool_calls?: OllamaToolCall[];
}

/**
 * A whole answer, or one streamed line. The last line has `done: true`, a
 * `done_reason` (`stop`, `length`, `load`, `unload`) and the token counts;
 * `prompt_eval_count` is omitted when the whole prompt came from the cache.
 * A failure after the 200 is a line `{"error": "..."}`.
 */
export interface OllamaChatResponse {
  model?: string;
  created_at?: string;
  message?: OllamaMessage;
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: unknown;
}

/** `GET /api/tags`: the locally available models. */
export interface OllamaTags {
  models?: Array<{ name?: unknown; model?: unknown; modified_at?: unknown }>;
}
