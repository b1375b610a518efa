/**
 * Ollama's `POST /api/embed` for the mock upstream.
 *
 * Follows Ollama's API reference: the body is `{model, input: string | string[], truncate?, dimensions?,
 * keep_alive?, options?}`; the answer is `{model, embeddings: number[][], total_duration, load_duration,
 * prompt_eval_count}`. Errors are `{"error": "..."}`, 404 for a model that is not pulled. Each input gets
 * the same deterministic vector as the OpenAI route (`mockEmbedding`), so tests can compare providers;
 * `prompt_eval_count` counts words, as the OpenAI route's usage does. Controls as for `/api/chat`: the
 * shared `status`, `retry_after`, `error_body`, `ttft_ms` and `drop_after`, and `no_counts` to leave out
 * `prompt_eval_count`.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { injectsFailure, type MockControls } from "./mock-controls.ts";
import { MOCK_EMBEDDING_DIMENSIONS, mockEmbedding } from "./mock-embeddings.ts";
import { OpenAIError } from "./mock-errors.ts";
import { type OllamaMockContext, parseAllControls } from "./mock-ollama.ts";
import { ollamaErrorJson } from "./mock-ollama-wire.ts";
import { drop, fail, type Life, later, send } from "./mock-stream.ts";

const JSON_TYPE = "application/json; charset=utf-8";
const MAX_DIMENSIONS = 4096;

type Json = Record<string, unknown>;

/** Handles `/api/embed`: validates like Ollama, applies controls, answers one JSON object. */
export function ollamaEmbed(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  life: Life,
  ctx: OllamaMockContext,
): void {
  if (req.method !== "POST") {
    send(res, 405, JSON_TYPE, ollamaErrorJson("method not allowed"));
    return;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    send(res, 400, JSON_TYPE, ollamaErrorJson("invalid JSON body"));
    return;
  }
  const json = body as Json;
  let controls: MockControls;
  let reply: string | undefined;
  try {
    const [shared, own] = parseAllControls(req, json.mock, ctx.behaviour.current);
    controls = shared;
    if (!injectsFailure(controls)) {
      reply = answer(json, ctx.models, own.noCounts || controls.usage === "none");
    }
  } catch (err) {
    if (!(err instanceof OpenAIError)) throw err;
    send(res, err.status, JSON_TYPE, ollamaErrorJson(err.message));
    return;
  }
  later(controls.ttftMs ?? ctx.ttftMs, life, () => {
    if (reply === undefined) {
      fail(res, life, controls, (status) => ollamaErrorJson(`mock upstream error (status ${status})`));
    } else if (controls.dropAfter !== undefined) drop(res, life);
    else send(res, 200, JSON_TYPE, reply);
  });
}

/** The embed answer for a valid body; throws an OpenAIError (its status and message) for an invalid one. */
function answer(json: Json, models: readonly string[], noCounts: boolean): string {
  const model = json.model;
  if (typeof model !== "string" || model === "") throw new OpenAIError(400, "model is required");
  if (!models.includes(model)) throw new OpenAIError(404, `model "${model}" not found, try pulling it first`);
  const input = typeof json.input === "string" ? [json.input] : json.input;
  if (!Array.isArray(input) || !input.every((item) => typeof item === "string")) {
    throw new OpenAIError(400, "invalid input type: expected a string or an array of strings");
  }
  if (json.truncate !== undefined && typeof json.truncate !== "boolean") {
    throw new OpenAIError(400, "json: cannot unmarshal truncate: expected a boolean");
  }
  const dimensions = json.dimensions ?? MOCK_EMBEDDING_DIMENSIONS;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1) {
    throw new OpenAIError(400, "dimensions must be a positive integer");
  }
  if (dimensions > MAX_DIMENSIONS) {
    throw new OpenAIError(400, `dimensions must be at most ${MAX_DIMENSIONS}`);
  }
  let words = 0;
  const embeddings = (input as string[]).map((text) => {
    words += text.split(/\s+/).filter((w) => w !== "").length;
    return mockEmbedding(text, dimensions);
  });
  return JSON.stringify({
    model,
    embeddings,
    total_duration: 1_000_000,
    load_duration: 100_000,
    ...(noCounts ? {} : { prompt_eval_count: words }),
  });
}
