/**
 * TGI native wire encoding for the mock upstream: the `/generate` JSON body, the `/generate_stream` SSE
 * events, `/info` and `{error, error_type}` error bodies.
 *
 * Follows TGI's formats: stream events are bare `data:{…}` lines (no event names, no `[DONE]`), one per
 * token `{index, token: {id, text, logprob, special}, generated_text: null, details: null}`; the last
 * event carries `generated_text` and `details` (`finish_reason`, `generated_tokens`, `seed`,
 * `input_length`). An `eos_token` finish ends on the special EOS token, which `generated_tokens` counts.
 * `/generate` details have `prefill` (filled only with `decoder_input_details`) and `tokens`.
 */

import type { StreamFrames } from "./mock-wire.ts";

/** What the mock TGI generates for one request; both endpoints encode the same plan. */
export interface TgiPlan {
  /** Text of each non-special generated token. */
  pieces: string[];
  finishReason: "eos_token" | "length" | "stop_sequence";
  /** Prompt "tokens": whitespace-separated words of `inputs`. */
  inputWords: string[];
  /** Send `details` (the request's `parameters.details`). */
  details: boolean;
  /** Fill `prefill` with the prompt tokens (`parameters.decoder_input_details`). */
  prefill: boolean;
  /** End the stream after the last token without the final event (the `done: false` control). */
  noFinal: boolean;
}

/** The EOS token the mock model ends with. */
export const MOCK_EOS = { id: 2, text: "</s>" };

/** TGI's `error_type` for an HTTP status. */
export function tgiErrorType(status: number): string {
  if (status === 429 || status === 503) return "overloaded";
  if (status === 400 || status === 413 || status === 422) return "validation";
  return "generation";
}

/** The JSON of a TGI error body. */
export function tgiErrorJson(status: number, message: string): string {
  return JSON.stringify({ error: message, error_type: tgiErrorType(status) });
}

/** The `/info` document for a server running `model`. */
export function tgiInfoJson(model: string): string {
  return JSON.stringify({
    model_id: model,
    model_sha: null,
    model_dtype: "torch.float16",
    model_device_type: "cuda",
    model_pipeline_tag: "text-generation",
    max_concurrent_requests: 128,
    max_best_of: 2,
    max_stop_sequences: 4,
    max_input_tokens: 4095,
    max_total_tokens: 4096,
    validation_workers: 2,
    max_client_batch_size: 4,
    router: "text-generation-router",
    version: "3.3.6",
  });
}

function generatedTokens(plan: TgiPlan): number {
  return plan.pieces.length + (plan.finishReason === "eos_token" ? 1 : 0);
}

function tokenJson(i: number, text: string, special: boolean): string {
  return `{"id":${special ? MOCK_EOS.id : 100 + i},"text":${JSON.stringify(text)},"logprob":-0.5,"special":${special}}`;
}

/** The non-streamed `/generate` answer. */
export function generateJson(plan: TgiPlan): string {
  const text = JSON.stringify(plan.pieces.join(""));
  if (!plan.details) return `{"generated_text":${text}}`;
  const tokens = plan.pieces.map((p, i) => tokenJson(i, p, false));
  if (plan.finishReason === "eos_token") tokens.push(tokenJson(0, MOCK_EOS.text, true));
  const prefill = plan.prefill
    ? plan.inputWords.map((w, i) => `{"id":${10 + i},"text":${JSON.stringify(w)},"logprob":null}`)
    : [];
  return `{"generated_text":${text},"details":{"finish_reason":"${plan.finishReason}","generated_tokens":${generatedTokens(plan)},"seed":null,"prefill":[${prefill.join(",")}],"tokens":[${tokens.join(",")}]}}`;
}

/**
 * The `/generate_stream` events: one content frame per token; the tail is the final event (the EOS token,
 * or the last text token for `length` / `stop_sequence`) with `generated_text` and `details`.
 */
export function generateStreamFrames(plan: TgiPlan): StreamFrames {
  const eos = plan.finishReason === "eos_token";
  const n = plan.pieces.length;
  const count = plan.noFinal || eos ? n : Math.max(0, n - 1);
  const event = (i: number, token: string, final: string) =>
    `data:{"index":${i},"token":${token},"generated_text":${final}}\n\n`;
  const content = (i: number) => event(i, tokenJson(i, plan.pieces[i] ?? "", false), 'null,"details":null');
  const tail = () => {
    if (plan.noFinal) return "";
    const last = eos ? tokenJson(n, MOCK_EOS.text, true) : tokenJson(n - 1, plan.pieces[n - 1] ?? "", false);
    const details = `{"finish_reason":"${plan.finishReason}","generated_tokens":${generatedTokens(plan)},"seed":null,"input_length":${plan.inputWords.length}}`;
    return event(count, last, `${JSON.stringify(plan.pieces.join(""))},"details":${details}`);
  };
  return { head: "", count, content, tail };
}
