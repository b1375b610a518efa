/**
 * Gemini API for the mock upstream: `POST /v1beta/models/{model}:generateContent`,
 * `POST /v1beta/models/{model}:streamGenerateContent` (SSE with `alt=sse`, else one JSON array) and
 * `GET /v1beta/models`.
 *
 * Follows the documented request rules the gateway must respect: `contents` hold only `user` and `model`
 * turns (system text is the top-level `systemInstruction`), function results are `functionResponse`
 * parts, tools are `functionDeclarations`. Failures use Gemini's error body and statuses (429
 * RESOURCE_EXHAUSTED, 503 UNAVAILABLE). The reply is planned by mock-reply.ts from an OpenAI-shaped view of
 * the body, so every wire format says the same thing; mock-gemini-wire.ts encodes it.
 *
 * Gemini-only controls (body `mock` object or `x-mock-*` headers, like the shared ones): `block` (true or a
 * block reason) blocks the prompt, `finish` forces a finishReason such as "SAFETY", `cached` and `thoughts`
 * add cached-prompt and thinking token counts (thoughts also add a thought part), and `retry_delay` puts a
 * RetryInfo detail in injected error bodies.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { injectsFailure, type MockControls, NO_CONTROLS, type ServerBehaviour } from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";
import { countControl, type ExtraControls, parseWithExtras } from "./mock-extra-controls.ts";
import {
  framesAsJsonArray,
  type GeminiControls,
  geminiErrorJson,
  geminiModelsJson,
  generateFrames,
  generateJson,
} from "./mock-gemini-wire.ts";
import { planReply, type ReplyDefaults, type ReplyPlan } from "./mock-reply.ts";
import { drop, fail as failWith, type Life, later, send, streamReply } from "./mock-stream.ts";

/** What the Gemini routes need from the mock server. */
export interface GeminiMockContext {
  defaults: ReplyDefaults;
  ttftMs: number;
  itlMs: number;
  models: readonly string[];
  /** The server-level controls each request starts from. */
  behaviour: ServerBehaviour;
  /** Next request sequence number (unique ids). */
  nextSeq(): number;
}

type Json = Record<string, unknown>;

const GENERATE = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function applyGemini(c: GeminiControls, name: string, value: unknown): void {
  if (name === "cached") c.cached = countControl(name, value);
  else if (name === "thoughts") c.thoughts = countControl(name, value);
  else if (name === "retry_delay") c.retryDelay = countControl(name, value);
  else if (name === "block") {
    if (value === false || value === "false") c.block = undefined;
    else c.block = value === true || value === "true" ? "SAFETY" : String(value);
  } else if (typeof value === "string" && value !== "") c.finish = value;
  else throw new OpenAIError(400, 'Invalid mock control "finish": expected a finishReason string');
}

/** Gemini's own controls, split off the shared ones by mock-extra-controls.ts. */
const GEMINI_CONTROLS: ExtraControls<GeminiControls> = {
  names: new Set(["block", "finish", "cached", "thoughts", "retry_delay"]),
  defaults: () => ({ block: undefined, finish: undefined, cached: 0, thoughts: 0, retryDelay: undefined }),
  apply: applyGemini,
};

/** The shared and the Gemini-only controls of a request (generateContent and batchEmbedContents alike). */
export function parseAllControls(
  req: IncomingMessage,
  bodyMock: unknown,
  base: Readonly<MockControls>,
): [MockControls, GeminiControls] {
  return parseWithExtras(req.rawHeaders, bodyMock, GEMINI_CONTROLS, base);
}

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  return parts
    .filter((p): p is Json => isObject(p) && typeof p.text === "string" && p.thought !== true)
    .map((p) => p.text as string)
    .join(" ");
}

function responseText(response: unknown): string {
  if (isObject(response) && typeof response.result === "string") return response.result;
  return JSON.stringify(response ?? {});
}

/**
 * An OpenAI-shaped view of a Gemini body for `planReply`: the system instruction as a first message, a
 * trailing user turn of functionResponse parts as a `tool` message, declarations and the function calling
 * config renamed. Throws an `OpenAIError` (400) for bodies the real API rejects.
 */
function planningView(body: Json, model: string, stream: boolean): Json {
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    throw new OpenAIError(400, "* GenerateContentRequest.contents: contents is not specified");
  }
  const view: Json[] = [];
  contents.forEach((c, i) => {
    if (!isObject(c) || (c.role !== "user" && c.role !== "model") || !Array.isArray(c.parts)) {
      throw new OpenAIError(400, `* GenerateContentRequest.contents[${i}]: role must be 'user' or 'model'`);
    }
    view.push({ role: c.role === "model" ? "assistant" : "user", content: partsText(c.parts) });
  });
  const last = contents.at(-1) as Json;
  const results = (last.parts as unknown[]).filter((p) => isObject(p) && isObject(p.functionResponse));
  if (last.role === "user" && results.length > 0) {
    const text = results.map((p) => responseText(((p as Json).functionResponse as Json).response)).join(" ");
    view[view.length - 1] = { role: "tool", content: text };
  }
  if (isObject(body.systemInstruction)) {
    view.unshift({ role: "system", content: partsText(body.systemInstruction.parts) });
  }
  const declarations = Array.isArray(body.tools)
    ? body.tools.flatMap((t) =>
        isObject(t) && Array.isArray(t.functionDeclarations) ? t.functionDeclarations : [],
      )
    : [];
  const tools = declarations.filter(isObject).map((d) => ({ type: "function", function: { name: d.name } }));
  const config = isObject(body.toolConfig) ? body.toolConfig.functionCallingConfig : undefined;
  let toolChoice: unknown;
  if (isObject(config) && config.mode === "NONE") toolChoice = "none";
  else if (isObject(config) && Array.isArray(config.allowedFunctionNames) && config.allowedFunctionNames[0]) {
    toolChoice = { type: "function", function: { name: config.allowedFunctionNames[0] } };
  }
  const generation = isObject(body.generationConfig) ? body.generationConfig : {};
  return {
    model,
    messages: view,
    tools,
    tool_choice: toolChoice,
    max_tokens: generation.maxOutputTokens,
    response_format: generation.responseMimeType === "application/json" ? { type: "json_object" } : undefined,
    stream,
  };
}

function sendGeminiError(res: ServerResponse, status: number, message: string): void {
  send(res, status, "application/json", geminiErrorJson(status, message));
}

/** Handles every `/v1beta/...` path: the model list and generateContent in both forms. */
export function geminiApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: unknown,
  life: Life,
  ctx: GeminiMockContext,
): void {
  if (path === "/v1beta/models" && req.method === "GET") {
    send(res, 200, "application/json", geminiModelsJson(ctx.models));
    return;
  }
  const match = GENERATE.exec(path);
  if (match === null) {
    sendGeminiError(res, 404, `Unknown route: ${req.method} ${path}`);
    return;
  }
  if (req.method !== "POST") {
    sendGeminiError(res, 405, `Method ${req.method} not allowed`);
    return;
  }
  if (!isObject(body)) {
    sendGeminiError(res, 400, "Invalid JSON payload received.");
    return;
  }
  const stream = match[2] === "streamGenerateContent";
  const sse = stream && /[?&]alt=sse(&|$)/.test(req.url ?? "");
  let controls: MockControls = NO_CONTROLS;
  let own: GeminiControls;
  let plan: ReplyPlan | undefined;
  const seq = ctx.nextSeq();
  try {
    [controls, own] = parseAllControls(req, body.mock, ctx.behaviour.current);
    if (!injectsFailure(controls)) {
      plan = planReply(
        planningView(body, decodeURIComponent(match[1] ?? ""), stream),
        controls,
        ctx.defaults,
        seq,
      );
    }
  } catch (err) {
    if (!(err instanceof OpenAIError)) throw err;
    sendGeminiError(res, err.status, err.message);
    return;
  }
  const ttft = controls.ttftMs ?? ctx.ttftMs;
  if (!plan) {
    const delay = own.retryDelay;
    const message = (status: number) => `Mock upstream error (status ${status})`;
    later(ttft, life, () =>
      failWith(res, life, controls, (status) => geminiErrorJson(status, message(status), delay)),
    );
    return;
  }
  const id = `mockresp${seq.toString(36).padStart(6, "0")}`;
  if (sse) {
    const frames = generateFrames(plan, own, id);
    void streamReply(res, frames, ttft, controls.itlMs ?? ctx.itlMs, controls.dropAfter, life);
  } else if (controls.dropAfter !== undefined) {
    later(ttft, life, () => drop(res, life));
  } else {
    const json = stream ? framesAsJsonArray(generateFrames(plan, own, id)) : generateJson(plan, own, id);
    later(ttft, life, () => send(res, 200, "application/json", json));
  }
}
