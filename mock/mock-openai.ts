/**
 * The mock's OpenAI `/v1/chat/completions`: validates the body, applies the `x-mock-*` / `mock` controls,
 * and answers as one JSON completion or as an SSE stream. With no delays and no controls the path is
 * kept minimal, because the benchmark uses the mock called directly as its baseline.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  injectsFailure,
  type MockControls,
  NO_CONTROLS,
  parseControls,
  type ServerBehaviour,
} from "./mock-controls.ts";
import { errorJson, OpenAIError } from "./mock-errors.ts";
import { planReply, type ReplyDefaults, type ReplyPlan } from "./mock-reply.ts";
import {
  drop,
  fail as failWith,
  type Life,
  later,
  send,
  sendError,
  sendPadded,
  streamReply,
} from "./mock-stream.ts";
import { completionJson, streamFrames } from "./mock-wire.ts";

/** What the OpenAI chat route needs from the mock server. */
export interface OpenAIMockContext {
  defaults: ReplyDefaults;
  ttftMs: number;
  itlMs: number;
  /** The server-level controls each request starts from. */
  behaviour: ServerBehaviour;
  /** Next request sequence number (unique ids). */
  nextSeq(): number;
}

/** Handles `/v1/chat/completions`, answering bad input in OpenAI's error shape. */
export function openAIChat(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  life: Life,
  ctx: OpenAIMockContext,
): void {
  if (req.method !== "POST") {
    sendError(res, new OpenAIError(405, `Method ${req.method} not allowed`));
  } else if (body === undefined) {
    sendError(
      res,
      new OpenAIError(400, "We could not parse the JSON body of your request.", null, "invalid_json"),
    );
  } else if (body === null || typeof body !== "object" || Array.isArray(body)) {
    sendError(res, new OpenAIError(400, "The request body must be a JSON object", null, "invalid_json"));
  } else chat(req, res, body as Record<string, unknown>, life, ctx);
}

function chat(
  req: IncomingMessage,
  res: ServerResponse,
  json: Record<string, unknown>,
  life: Life,
  ctx: OpenAIMockContext,
): void {
  let controls: MockControls = NO_CONTROLS;
  let plan: ReplyPlan | undefined;
  let seq = 0;
  try {
    controls = parseControls(req.rawHeaders, json.mock, ctx.behaviour.current);
    if (!injectsFailure(controls)) {
      seq = ctx.nextSeq();
      plan = planReply(json, controls, ctx.defaults, seq);
    }
  } catch (err) {
    if (!(err instanceof OpenAIError)) throw err;
    sendError(res, err);
    return;
  }
  const ttft = controls.ttftMs ?? ctx.ttftMs;
  if (!plan) {
    later(ttft, life, () => fail(res, life, controls));
    return;
  }
  const id = `chatcmpl-mock${seq.toString(36).padStart(6, "0")}`;
  const created = Math.floor(Date.now() / 1000);
  if (plan.stream) {
    void streamReply(
      res,
      streamFrames(plan, id, created),
      ttft,
      controls.itlMs ?? ctx.itlMs,
      controls.dropAfter,
      life,
      undefined,
      controls.padBytes,
    );
  } else if (controls.dropAfter !== undefined) {
    later(ttft, life, () => drop(res, life));
  } else if (controls.padBytes !== undefined) {
    const json = completionJson(plan, id, created);
    const pad = controls.padBytes;
    later(ttft, life, () => void sendPadded(res, "application/json", json, pad, life));
  } else if (ttft === 0) {
    send(res, 200, "application/json", completionJson(plan, id, created));
  } else {
    const p = plan;
    later(ttft, life, () => send(res, 200, "application/json", completionJson(p, id, created)));
  }
}

/** Injected failure in OpenAI's error shape. */
function fail(res: ServerResponse, life: Life, controls: MockControls): void {
  failWith(res, life, controls, (status) => errorJson(status, `Mock upstream error (status ${status})`));
}
