/**
 * The shapes of Anthropic Messages API answers that the adapter reads, as
 * documented for `POST /v1/messages` (a `message` object whose `content` is a
 * list of typed blocks) and for its streaming events. Every field is optional:
 * the parsers check what they use, so a drifting upstream fails clearly.
 */

/** `usage` on a message, on `message_start` and (cumulative) on `message_delta`. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** One block of an assistant message's `content`. */
export interface AnthropicContentBlock {
  type?: string;
  text?: string;
  thinking?: string;
  signature?: string;
  /** The encrypted reasoning of a `redacted_thinking` block. */
  data?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

/** A whole (non-streamed) `message` answer. */
export interface AnthropicMessage {
  id?: string;
  type?: string;
  model?: string;
  content?: AnthropicContentBlock[];
  stop_reason?: string | null;
  stop_sequence?: string | null;
  usage?: AnthropicUsage;
}

/** The `delta` of a `content_block_delta` event. */
export interface AnthropicBlockDelta {
  type?: string;
  text?: string;
  partial_json?: string;
  thinking?: string;
  signature?: string;
}

/** One streamed event's data; `type` repeats the SSE event name. */
export interface AnthropicStreamEvent {
  type?: string;
  index?: number;
  message?: AnthropicMessage;
  content_block?: AnthropicContentBlock;
  delta?: AnthropicBlockDelta & { stop_reason?: string | null; stop_sequence?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}
