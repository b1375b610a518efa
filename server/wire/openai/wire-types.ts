/**
 * The OpenAI chat completions wire format, as much of it as the gateway reads
 * or writes. Both the REST shim (which speaks it to callers) and the
 * OpenAI-compatible provider (which speaks it to upstreams) use these shapes.
 */

export interface OpenAIToolCall {
  index?: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

export interface OpenAIMessage {
  role: string;
  content?: string | null | Array<Record<string, unknown>>;
  name?: string;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  refusal?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

export interface OpenAIChoice {
  index?: number;
  message?: OpenAIMessage;
  delta?: Partial<OpenAIMessage>;
  finish_reason?: string | null;
}

export interface OpenAICompletion {
  id?: string;
  object?: string;
  created?: number;
  model?: string;
  choices?: OpenAIChoice[];
  usage?: OpenAIUsage | null;
  error?: unknown;
}
