/**
 * Ollama's native API for the mock upstream: `POST /api/chat` (NDJSON stream by default, one JSON object
 * with `stream: false`) and `GET /api/tags`.
 *
 * Follows the documented request rules the gateway must respect, failing as Ollama does with
 * `{"error": "..."}`: `model` is required and must be pulled (one of the mock's models, else 404);
 * `content` is a string; `images` are base64 strings (no data: URLs); tool-call `arguments` are JSON
 * objects; `format` is `"json"` or a schema object; sampling settings live in `options` (`num_predict`
 * caps the reply). The reply is planned by mock-reply.ts from an OpenAI-shaped view of the body, so every
 * wire format says the same thing; mock-ollama-wire.ts encodes it. `think: true` (or a level) adds mock thinking.
 *
 * Ollama-only controls (body `mock` object or `x-mock-*` headers, like the shared ones): `no_counts: true`
 * leaves out `prompt_eval_count` / `eval_count`, and `stream_error` (a message) ends a stream with an
 * error line after the 200. The shared `done: false` ends a stream without its `done: true` line.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { injectsFailure, type MockControls, NO_CONTROLS, type ServerBehaviour } from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";
import { type ExtraControls, parseWithExtras } from "./mock-extra-controls.ts";
import { chatFrames, chatJson, type OllamaControls, ollamaErrorJson } from "./mock-ollama-wire.ts";
import { planReply, type ReplyDefaults, type ReplyPlan } from "./mock-reply.ts";
import { drop, fail as failWith, type Life, later, send, sendPadded, streamReply } from "./mock-stream.ts";

/** What the Ollama route needs from the mock server. */
export interface OllamaMockContext {
  defaults: ReplyDefaults;
  ttftMs: number;
  itlMs: number;
  /** The "pulled" models; any other model answers 404 like Ollama. */
  models: readonly string[];
  /** The server-level controls each request starts from. */
  behaviour: ServerBehaviour;
  /** Next request sequence number. */
  nextSeq(): number;
}

type Json = Record<string, unknown>;

const JSON_TYPE = "application/json; charset=utf-8";
const NDJSON_HEADERS = { "content-type": "application/x-ndjson" };
const ROLES = new Set(["system", "user", "assistant", "tool"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function applyOllama(c: OllamaControls, name: string, value: unknown): void {
  if (name === "no_counts") {
    if (value === true || value === "true" || value === "1") c.noCounts = true;
    else if (value === false || value === "false" || value === "0") c.noCounts = false;
    else throw new OpenAIError(400, 'Invalid mock control "no_counts": expected true or false');
  } else if (typeof value === "string" && value !== "") c.streamError = value;
  else throw new OpenAIError(400, 'Invalid mock control "stream_error": expected an error message string');
}

/** Ollama's own controls, split off the shared ones by mock-extra-controls.ts. */
const OLLAMA_CONTROLS: ExtraControls<OllamaControls> = {
  names: new Set(["no_counts", "stream_error"]),
  defaults: () => ({ noCounts: false, streamError: undefined }),
  apply: applyOllama,
};

/** The shared and the Ollama-only controls of a request (`/api/chat` and `/api/embed` alike). */
export function parseAllControls(
  req: IncomingMessage,
  bodyMock: unknown,
  base: Readonly<MockControls>,
): [MockControls, OllamaControls] {
  return parseWithExtras(req.rawHeaders, bodyMock, OLLAMA_CONTROLS, base);
}

/** Checks one message the way Ollama's decoder and handler would. */
function checkMessage(m: unknown, i: number): Json {
  if (!isObject(m)) throw new OpenAIError(400, `messages[${i}]: expected an object`);
  if (typeof m.role !== "string" || !ROLES.has(m.role)) {
    throw new OpenAIError(400, `messages[${i}].role: invalid role ${JSON.stringify(m.role ?? null)}`);
  }
  if (m.content !== undefined && typeof m.content !== "string") {
    throw new OpenAIError(400, `json: cannot unmarshal into messages[${i}].content of type string`);
  }
  if (m.images !== undefined) {
    const ok = Array.isArray(m.images) && m.images.every((x) => typeof x === "string" && BASE64.test(x));
    if (!ok) throw new OpenAIError(400, `messages[${i}].images: illegal base64 data`);
  }
  if (m.tool_calls !== undefined) {
    const ok =
      Array.isArray(m.tool_calls) &&
      m.tool_calls.every((c) => isObject(c) && isObject(c.function) && isObject(c.function.arguments));
    if (!ok) {
      throw new OpenAIError(
        400,
        `json: cannot unmarshal messages[${i}].tool_calls arguments: want an object`,
      );
    }
  }
  return { role: m.role, content: m.content ?? "" };
}

/**
 * An OpenAI-shaped view of an Ollama body for `planReply`: messages as they are, `options.num_predict`
 * as `max_tokens` (when positive), `format` as `response_format`, and Ollama's default `stream: true`.
 * Throws an `OpenAIError` for bodies the real API rejects.
 */
function planningView(body: Json, models: readonly string[]): Json {
  if (typeof body.model !== "string" || body.model === "") throw new OpenAIError(400, "model is required");
  if (!models.includes(body.model)) {
    throw new OpenAIError(404, `model "${body.model}" not found, try pulling it first`);
  }
  if (!Array.isArray(body.messages)) throw new OpenAIError(400, "messages: expected an array");
  const messages = body.messages.map(checkMessage);
  if (body.options !== undefined && !isObject(body.options)) {
    throw new OpenAIError(400, "json: cannot unmarshal options: expected an object");
  }
  const predict = isObject(body.options) ? body.options.num_predict : undefined;
  const format = body.format;
  let responseFormat: Json | undefined;
  if (format === "json") responseFormat = { type: "json_object" };
  else if (isObject(format)) responseFormat = { type: "json_schema" };
  else if (format !== undefined && format !== "") {
    throw new OpenAIError(400, `invalid format ${JSON.stringify(format)}: expected "json" or a JSON schema`);
  }
  return {
    model: body.model,
    messages,
    tools: Array.isArray(body.tools) ? body.tools : [],
    max_tokens: typeof predict === "number" && Number.isInteger(predict) && predict > 0 ? predict : undefined,
    response_format: responseFormat,
    stream: body.stream !== false,
  };
}

function sendOllamaError(res: ServerResponse, status: number, message: string): void {
  send(res, status, JSON_TYPE, ollamaErrorJson(message));
}

/** Handles `/api/chat`: validates, plans, and answers as one JSON object or as an NDJSON stream. */
export function ollamaChat(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  life: Life,
  ctx: OllamaMockContext,
): void {
  if (req.method !== "POST") {
    sendOllamaError(res, 405, "method not allowed");
    return;
  }
  if (!isObject(body)) {
    sendOllamaError(res, 400, "invalid JSON body");
    return;
  }
  let controls: MockControls = NO_CONTROLS;
  let own: OllamaControls;
  let plan: ReplyPlan | undefined;
  try {
    [controls, own] = parseAllControls(req, body.mock, ctx.behaviour.current);
    if (!injectsFailure(controls)) {
      plan = planReply(planningView(body, ctx.models), controls, ctx.defaults, ctx.nextSeq());
    }
  } catch (err) {
    if (!(err instanceof OpenAIError)) throw err;
    sendOllamaError(res, err.status, err.message);
    return;
  }
  const ttft = controls.ttftMs ?? ctx.ttftMs;
  if (!plan) {
    later(ttft, life, () => fail(res, life, controls));
    return;
  }
  if (controls.usage === "none") own.noCounts = true;
  const createdAt = new Date().toISOString();
  // Like Ollama: `true` or an effort level ("low", "medium", "high") turns thinking on.
  const thinking = body.think === true || (typeof body.think === "string" && body.think !== "");
  if (plan.stream) {
    const frames = chatFrames(plan, own, createdAt, thinking);
    void streamReply(
      res,
      frames,
      ttft,
      controls.itlMs ?? ctx.itlMs,
      controls.dropAfter,
      life,
      NDJSON_HEADERS,
      controls.padBytes,
    );
  } else if (controls.dropAfter !== undefined) {
    later(ttft, life, () => drop(res, life));
  } else if (controls.padBytes !== undefined) {
    const json = chatJson(plan, own, createdAt, thinking);
    const pad = controls.padBytes;
    later(ttft, life, () => void sendPadded(res, JSON_TYPE, json, pad, life));
  } else {
    const json = chatJson(plan, own, createdAt, thinking);
    later(ttft, life, () => send(res, 200, JSON_TYPE, json));
  }
}

/** Injected failure in Ollama's error shape. */
function fail(res: ServerResponse, life: Life, controls: MockControls): void {
  failWith(res, life, controls, (status) => ollamaErrorJson(`mock upstream error (status ${status})`));
}
