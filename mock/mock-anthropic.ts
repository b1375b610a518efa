/**
 * Anthropic Messages API for the mock upstream: `POST /v1/messages` and the Anthropic shape of
 * `GET /v1/models`.
 *
 * Follows the documented request rules the gateway must respect: `max_tokens` is required, `messages` hold
 * only `user` and `assistant` turns (the system prompt is top-level `system`), and tool results are user
 * `tool_result` blocks. Failures use Anthropic's statuses and error types (429 rate_limit_error, 529
 * overloaded_error). The reply is planned by mock-reply.ts from an OpenAI-shaped view of the body, so both
 * wire formats say the same thing; mock-anthropic-wire.ts encodes it.
 *
 * Anthropic-only controls (body `mock` object or `x-mock-*` headers, like the shared ones):
 * `cache_read` / `cache_creation` add prompt-cache token counts to the usage, and `stream_error` (an error
 * type such as `overloaded_error`) ends a stream with an `error` event after the 200.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type AnthropicControls,
  anthropicErrorJson,
  anthropicErrorType,
  messageFrames,
  messageJson,
} from "./mock-anthropic-wire.ts";
import { injectsFailure, type MockControls, NO_CONTROLS, type ServerBehaviour } from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";
import { countControl, type ExtraControls, parseWithExtras } from "./mock-extra-controls.ts";
import { planReply, type ReplyDefaults, type ReplyPlan } from "./mock-reply.ts";
import { drop, fail as failWith, type Life, later, send, streamReply } from "./mock-stream.ts";

/** What the Anthropic route needs from the mock server. */
export interface AnthropicMockContext {
  defaults: ReplyDefaults;
  ttftMs: number;
  itlMs: number;
  /** The server-level controls each request starts from. */
  behaviour: ServerBehaviour;
  /** Next request sequence number (unique ids). */
  nextSeq(): number;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function applyAnthropic(c: AnthropicControls, name: string, value: unknown): void {
  if (name === "cache_read") c.cacheRead = countControl(name, value);
  else if (name === "cache_creation") c.cacheCreation = countControl(name, value);
  else if (typeof value === "string" && value !== "") c.streamError = value;
  else throw new OpenAIError(400, 'Invalid mock control "stream_error": expected an error type string');
}

/** Anthropic's own controls, split off the shared ones by mock-extra-controls.ts. */
const ANTHROPIC_CONTROLS: ExtraControls<AnthropicControls> = {
  names: new Set(["cache_read", "cache_creation", "stream_error"]),
  defaults: () => ({ cacheRead: 0, cacheCreation: 0, streamError: undefined }),
  apply: applyAnthropic,
};

function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((b): b is Json => isObject(b) && typeof b.text === "string")
    .map((b) => b.text as string)
    .join(" ");
}

/**
 * An OpenAI-shaped view of an Anthropic body for `planReply`: the system prompt as a first message, a
 * trailing user turn of tool_result blocks as a `tool` message, and tools / tool_choice renamed.
 * Throws an `OpenAIError` (400) for bodies the real API rejects.
 */
function planningView(body: Json): Json {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new OpenAIError(400, "messages: at least one message is required");
  }
  const view: Json[] = [];
  messages.forEach((m, i) => {
    if (!isObject(m) || (m.role !== "user" && m.role !== "assistant")) {
      throw new OpenAIError(400, `messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    view.push({ role: m.role, content: m.content });
  });
  const last = view.at(-1) as Json;
  if (last.role === "user" && Array.isArray(last.content)) {
    const results = last.content.filter((b) => isObject(b) && b.type === "tool_result");
    if (results.length > 0) {
      view[view.length - 1] = {
        role: "tool",
        content: results.map((b) => toolResultText(b.content)).join(" "),
      };
    }
  }
  if (typeof body.system === "string") view.unshift({ role: "system", content: body.system });
  else if (Array.isArray(body.system)) view.unshift({ role: "system", content: body.system });
  if (typeof body.max_tokens !== "number") throw new OpenAIError(400, "max_tokens: Field required");
  const tools = Array.isArray(body.tools)
    ? body.tools.filter(isObject).map((t) => ({ type: "function", function: { name: t.name } }))
    : [];
  const choice = body.tool_choice;
  let toolChoice: unknown;
  if (isObject(choice) && choice.type === "tool")
    toolChoice = { type: "function", function: { name: choice.name } };
  else if (isObject(choice) && choice.type === "none") toolChoice = "none";
  return {
    model: body.model,
    messages: view,
    tools,
    tool_choice: toolChoice,
    max_tokens: body.max_tokens,
    stream: body.stream === true,
  };
}

function sendAnthropicError(res: ServerResponse, status: number, message: string): void {
  send(res, status, "application/json", anthropicErrorJson(anthropicErrorType(status), message));
}

/** Handles `/v1/messages`: validates, plans, and answers as JSON or as a named-event stream. */
export function anthropicMessages(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  life: Life,
  ctx: AnthropicMockContext,
): void {
  if (req.method !== "POST") {
    sendAnthropicError(res, 405, `Method ${req.method} not allowed`);
    return;
  }
  if (!isObject(body)) {
    sendAnthropicError(res, 400, "The request body is not valid JSON");
    return;
  }
  let controls: MockControls = NO_CONTROLS;
  let own: AnthropicControls;
  let plan: ReplyPlan | undefined;
  const seq = ctx.nextSeq();
  try {
    [controls, own] = parseWithExtras(req.rawHeaders, body.mock, ANTHROPIC_CONTROLS, ctx.behaviour.current);
    if (!injectsFailure(controls)) {
      plan = planReply(planningView(body), controls, ctx.defaults, seq);
    }
  } catch (err) {
    if (!(err instanceof OpenAIError)) throw err;
    sendAnthropicError(res, err.status, err.message);
    return;
  }
  const ttft = controls.ttftMs ?? ctx.ttftMs;
  if (!plan) {
    later(ttft, life, () => fail(res, life, controls));
    return;
  }
  const suffix = seq.toString(36).padStart(6, "0");
  if (plan.tool) plan.tool.id = `toolu_mock${suffix}`;
  const id = `msg_mock${suffix}`;
  const thinking = isObject(body.thinking) && body.thinking.type === "enabled";
  if (plan.stream) {
    const frames = messageFrames(plan, own, id, thinking);
    void streamReply(res, frames, ttft, controls.itlMs ?? ctx.itlMs, controls.dropAfter, life);
  } else if (controls.dropAfter !== undefined) {
    later(ttft, life, () => drop(res, life));
  } else {
    const json = messageJson(plan, own, id, thinking);
    later(ttft, life, () => send(res, 200, "application/json", json));
  }
}

/** Injected failure in Anthropic's error shape. */
function fail(res: ServerResponse, life: Life, controls: MockControls): void {
  failWith(res, life, controls, (status) =>
    anthropicErrorJson(anthropicErrorType(status), `Mock upstream error (status ${status})`),
  );
}
