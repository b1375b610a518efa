import { type ChatRequest, ResponseFormatType } from "../../../gen/llmgw/v1/chat_pb.js";
import type { ChatTemplateName } from "./chat-templates.ts";
import { promptFor } from "./tgi-prompt.ts";
import { rejectUnsupported } from "./tgi-unsupported.ts";

/*
 * Follows TGI's native API (`POST /generate`, `POST /generate_stream`):
 * the body is `{inputs, parameters, add_special_tokens?}` (the last only in
 * recent releases), and every generation option lives in `parameters`:
 * - `temperature` must be > 0 and `top_p` strictly between 0 and 1;
 * - `max_new_tokens` (TGI's own default is tiny, 20 or 100 by version);
 * - `stop` (at most `--max-stop-sequences`, 4 by default), `seed`,
 *   `do_sample`, `repetition_penalty`, `top_k`, `typical_p`, `watermark`;
 * - `grammar: {type: "json", value: <JSON Schema>}` constrains the output;
 * - `details: true` asks for finish_reason and token counts.
 */

/** The `max_new_tokens` sent when the caller sets no `max_tokens`: TGI's own default would cut answers short. */
export const DEFAULT_MAX_NEW_TOKENS = 512;

/** A serialized TGI body and the stop strings it asked for (to trim them from the answer). */
export interface TgiBody {
  readonly json: string;
  readonly stops: readonly string[];
}

/**
 * TGI's default `--max-stop-sequences`. The template's stop strings only fill
 * the slots the caller's leave free: they back up the model's own EOS token,
 * so dropping one is harmless, while a caller's stop never is.
 */
const TGI_MAX_STOP = 4;

/**
 * Builds the TGI body for a canonical request, serialized once. The chat is
 * rendered with the provider's template, whose stop strings follow the
 * caller's in `parameters.stop`. Every `extra` key goes into `parameters` (that is where
 * `top_k`, `repetition_penalty` and the mock's `mock` controls belong), and a
 * modeled field wins over an extra one. Rejects what TGI cannot honour.
 */
export function tgiRequestBody(
  provider: string,
  baseUrl: string,
  template: ChatTemplateName,
  request: ChatRequest,
): TgiBody {
  rejectUnsupported(provider, baseUrl, request);
  const { prompt, stop, hasBos } = promptFor(template, request.messages);
  const parameters: Record<string, unknown> = request.extra === undefined ? {} : { ...request.extra };
  const temperature = request.temperature;
  if (temperature !== undefined) {
    // TGI rejects temperature 0; greedy decoding is how it spells "0".
    if (temperature > 0) parameters.temperature = temperature;
    else {
      parameters.temperature = undefined;
      parameters.do_sample = false;
    }
  }
  const topP = request.topP;
  if (topP !== undefined) {
    // 1.0 means "no nucleus cut", which TGI spells by leaving top_p out; 0 is greedy.
    parameters.top_p = topP > 0 && topP < 1 ? topP : undefined;
    if (topP <= 0) parameters.do_sample = false;
  }
  parameters.max_new_tokens = request.maxTokens ?? DEFAULT_MAX_NEW_TOKENS;
  const stops = [...request.stop];
  for (const s of stop) if (stops.length < TGI_MAX_STOP && !stops.includes(s)) stops.push(s);
  if (stops.length > 0) parameters.stop = stops;
  if (request.seed !== undefined) parameters.seed = Number(request.seed);
  const format = request.responseFormat;
  if (format?.type === ResponseFormatType.JSON_SCHEMA) {
    parameters.grammar = { type: "json", value: format.schema ?? { type: "object" } };
  } else if (format?.type === ResponseFormatType.JSON_OBJECT) {
    parameters.grammar = { type: "json", value: { type: "object" } };
  }
  parameters.details = true;
  const body: Record<string, unknown> = { inputs: prompt, parameters };
  if (hasBos) body.add_special_tokens = false;
  return { json: JSON.stringify(body), stops };
}
