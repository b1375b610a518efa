/**
 * The shapes of TGI's native answers that the adapter reads: `/generate`
 * (`{generated_text, details}`), each `/generate_stream` event, `/info`, and
 * error bodies `{error, error_type}`. Every field is optional: the parsers
 * check what they use, so a drifting upstream fails clearly.
 */

/** A generated (or prefill) token. */
export interface TgiToken {
  id?: number;
  text?: string;
  logprob?: number | null;
  special?: boolean;
}

/**
 * Generation details. `input_length` is reported by recent TGI releases (and
 * `prompt_tokens` by some forks); `prefill` lists the prompt tokens only when
 * the request set `decoder_input_details`.
 */
export interface TgiDetails {
  finish_reason?: string;
  generated_tokens?: number;
  input_length?: number;
  prompt_tokens?: number;
  seed?: number | null;
  prefill?: TgiToken[];
  tokens?: TgiToken[];
}

/** The `/generate` answer. */
export interface TgiGenerateResponse {
  generated_text?: string;
  details?: TgiDetails | null;
}

/** One `/generate_stream` event; the last carries `generated_text` and `details`, a failure `error`. */
export interface TgiStreamEvent {
  index?: number;
  token?: TgiToken;
  generated_text?: string | null;
  details?: TgiDetails | null;
  error?: string;
  error_type?: string;
}

/** The parts of `GET /info` discovery reads. */
export interface TgiInfo {
  model_id?: string;
  max_input_tokens?: number;
  max_total_tokens?: number;
}
