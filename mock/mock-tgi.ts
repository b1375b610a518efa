/**
 * Hugging Face text-generation-inference's native API for the mock upstream: `POST /generate`,
 * `POST /generate_stream` and `GET /info`.
 *
 * Follows TGI's request rules the gateway must respect: the body is `{inputs, parameters}` (plus
 * `stream` and `add_special_tokens`) and unknown top-level fields are refused; `temperature` must be
 * > 0, `top_p` strictly between 0 and 1, `max_new_tokens` >= 1 (default 100), at most 4 `stop`
 * sequences, and `grammar` is `{type: "json" | "regex", value}`. Refusals are 422 `{error, error_type:
 * "validation"}`; injected failures use TGI's statuses and `error_type`s (mock-tgi-wire.ts).
 *
 * The answer is deterministic: lorem tokens (`tokens` control or the mock default), cut by
 * `max_new_tokens` (finish `length`) or at the first `stop` sequence, which TGI keeps in the text
 * (finish `stop_sequence`), else ending with the EOS token (`eos_token`). A `grammar` makes the text the
 * JSON object `{"answer":"…"}`. `input_length` counts the prompt's whitespace-separated words.
 *
 * Controls arrive as `x-mock-*` headers or as a `mock` object inside `parameters` (TGI refuses unknown
 * top-level fields, so the adapter forwards its `extra` into `parameters`): the shared ones of
 * mock-controls.ts (`tokens`, `status`, `retry_after`, `ttft_ms`, `itl_ms`, `drop_after`,
 * `error_body`), and `done: false`, which ends a stream after the last token without the final event.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  injectsFailure,
  type MockControls,
  NO_CONTROLS,
  parseControls,
  type ServerBehaviour,
} from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";
import type { ReplyDefaults } from "./mock-reply.ts";
import { drop, fail as failWith, type Life, later, send, streamReply } from "./mock-stream.ts";
import { loremToken } from "./mock-text.ts";
import { generateJson, generateStreamFrames, type TgiPlan, tgiErrorJson } from "./mock-tgi-wire.ts";

/** What the TGI routes need from the mock server. */
export interface TgiMockContext {
  defaults: ReplyDefaults;
  ttftMs: number;
  itlMs: number;
  /** The server-level controls each request starts from. */
  behaviour: ServerBehaviour;
}

type Json = Record<string, unknown>;

const TOP_LEVEL = new Set(["inputs", "parameters", "stream", "add_special_tokens"]);
const PARAMETERS = new Set([
  "best_of",
  "temperature",
  "repetition_penalty",
  "frequency_penalty",
  "top_k",
  "top_p",
  "typical_p",
  "do_sample",
  "max_new_tokens",
  "return_full_text",
  "stop",
  "truncate",
  "watermark",
  "details",
  "decoder_input_details",
  "seed",
  "top_n_tokens",
  "grammar",
  "adapter_id",
  "mock",
]);
/** TGI's default `--max-stop-sequences`. */
const MAX_STOP = 4;
/** TGI's default `max_new_tokens` when the request sets none. */
const DEFAULT_MAX_NEW_TOKENS = 100;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A request TGI refuses at validation: 422. */
function invalid(message: string): OpenAIError {
  return new OpenAIError(422, message);
}

function positive(parameters: Json, name: string, below?: number): void {
  const v = parameters[name];
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || !(v > 0) || (below !== undefined && !(v < below))) {
    throw invalid(
      below === undefined ? `\`${name}\` must be strictly positive` : `\`${name}\` must be > 0.0 and < 1.0`,
    );
  }
}

/** Validates the body as TGI's router does; returns the `parameters` object. */
function validate(body: Json): Json {
  for (const key of Object.keys(body)) {
    if (!TOP_LEVEL.has(key)) {
      throw invalid(`Failed to deserialize the JSON body into the target type: unknown field \`${key}\``);
    }
  }
  if (typeof body.inputs !== "string" || body.inputs === "") throw invalid("`inputs` cannot be empty");
  const parameters = body.parameters ?? {};
  if (!isObject(parameters)) throw invalid("`parameters` must be an object");
  for (const key of Object.keys(parameters)) {
    if (!PARAMETERS.has(key)) throw invalid(`parameters: unknown field \`${key}\``);
  }
  positive(parameters, "temperature");
  positive(parameters, "repetition_penalty");
  positive(parameters, "top_p", 1);
  positive(parameters, "typical_p", 1);
  const topK = parameters.top_k;
  if (topK !== undefined && topK !== null && !(Number.isInteger(topK) && (topK as number) > 0)) {
    throw invalid("`top_k` must be strictly positive");
  }
  const max = parameters.max_new_tokens;
  if (max !== undefined && max !== null && !(Number.isInteger(max) && (max as number) > 0)) {
    throw invalid("`max_new_tokens` must be strictly positive");
  }
  const stop = parameters.stop;
  if (stop !== undefined && stop !== null) {
    if (!Array.isArray(stop) || !stop.every((s) => typeof s === "string")) {
      throw invalid("`stop` must be a list of strings");
    }
    if (stop.length > MAX_STOP) {
      throw invalid(`\`stop\` supports up to ${MAX_STOP} stop sequences. Given: ${stop.length}`);
    }
  }
  const grammar = parameters.grammar;
  if (grammar !== undefined && grammar !== null) {
    if (
      !isObject(grammar) ||
      (grammar.type !== "json" && grammar.type !== "regex") ||
      !("value" in grammar)
    ) {
      throw invalid('`grammar` must be {"type": "json" | "regex", "value": ...}');
    }
  }
  return parameters;
}

/** The mock model's answer to a validated request. */
function plan(body: Json, parameters: Json, controls: MockControls, defaults: ReplyDefaults): TgiPlan {
  const wanted = controls.tokens ?? defaults.tokens;
  const max = (parameters.max_new_tokens as number | undefined) ?? DEFAULT_MAX_NEW_TOKENS;
  const count = Math.min(wanted, max);
  const grammar = isObject(parameters.grammar) && parameters.grammar.type === "json";
  let finishReason: TgiPlan["finishReason"] = wanted > max ? "length" : "eos_token";
  let pieces: string[] = [];
  for (let i = 0; i < count; i++) pieces.push(loremToken(i));
  if (grammar) pieces = jsonPieces(pieces);
  else {
    const stops = ((parameters.stop as string[] | undefined) ?? []).filter((s) => s !== "");
    let text = "";
    for (let i = 0; i < pieces.length; i++) {
      text += pieces[i];
      if (stops.some((s) => text.includes(s))) {
        pieces = pieces.slice(0, i + 1);
        finishReason = "stop_sequence";
        break;
      }
    }
  }
  return {
    pieces,
    finishReason,
    inputWords: (body.inputs as string).split(/\s+/).filter((w) => w !== ""),
    details: parameters.details === true,
    prefill: parameters.decoder_input_details === true,
    noFinal: controls.done === false,
  };
}

/** Wraps the text pieces as the JSON object `{"answer":"…"}`, valid whatever the cut. */
function jsonPieces(inner: readonly string[]): string[] {
  if (inner.length === 0) return ['{"answer":""}'];
  const esc = (s: string) => JSON.stringify(s).slice(1, -1);
  const last = inner.length - 1;
  return inner.map((p, i) => (i === 0 ? '{"answer":"' : "") + esc(p) + (i === last ? '"}' : ""));
}

function sendTgiError(res: ServerResponse, status: number, message: string): void {
  send(res, status, "application/json", tgiErrorJson(status, message));
}

/** Handles `/generate` and `/generate_stream`: validates, plans, and answers as JSON or as SSE. */
export function tgiGenerate(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  life: Life,
  ctx: TgiMockContext,
  stream: boolean,
): void {
  if (req.method !== "POST") {
    sendTgiError(res, 405, `Method ${req.method} not allowed`);
    return;
  }
  if (!isObject(body)) {
    sendTgiError(res, 400, "Failed to parse the request body as JSON");
    return;
  }
  let controls: MockControls = NO_CONTROLS;
  let reply: TgiPlan | undefined;
  try {
    const parameters = validate(body);
    controls = parseControls(req.rawHeaders, parameters.mock, ctx.behaviour.current);
    if (!injectsFailure(controls)) {
      reply = plan(body, parameters, controls, ctx.defaults);
    }
  } catch (err) {
    if (!(err instanceof OpenAIError)) throw err;
    sendTgiError(res, err.status, err.message);
    return;
  }
  const ttft = controls.ttftMs ?? ctx.ttftMs;
  if (!reply) {
    later(ttft, life, () =>
      failWith(res, life, controls, (status) =>
        tgiErrorJson(status, `Mock upstream error (status ${status})`),
      ),
    );
    return;
  }
  if (stream) {
    const frames = generateStreamFrames(reply);
    void streamReply(res, frames, ttft, controls.itlMs ?? ctx.itlMs, controls.dropAfter, life);
  } else if (controls.dropAfter !== undefined) {
    later(ttft, life, () => drop(res, life));
  } else {
    const json = generateJson(reply);
    later(ttft, life, () => send(res, 200, "application/json", json));
  }
}
