/**
 * Gemini's `POST /v1beta/models/{model}:batchEmbedContents` for the mock upstream.
 *
 * Follows the Gemini API reference (ai.google.dev/api/embeddings): the body is `{requests: [{model:
 * "models/{model}", content: {parts: [{text}]}, taskType?, title?, outputDimensionality?}]}`, at most 100
 * requests, each naming the model in the URL; the answer is `{embeddings: [{values}]}` in request order,
 * with no token counts. Errors use Gemini's error body. Each text gets the same deterministic vector as the
 * OpenAI route (`mockEmbedding`), so tests can compare providers. Controls as for generateContent: the
 * shared `status`, `retry_after`, `error_body`, `ttft_ms` and `drop_after`, and `retry_delay` for a
 * RetryInfo detail in injected error bodies.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { injectsFailure, type MockControls } from "./mock-controls.ts";
import { MOCK_EMBEDDING_DIMENSIONS, mockEmbedding } from "./mock-embeddings.ts";
import { OpenAIError } from "./mock-errors.ts";
import { type GeminiMockContext, parseAllControls } from "./mock-gemini.ts";
import { geminiErrorJson } from "./mock-gemini-wire.ts";
import { drop, fail, type Life, later, send } from "./mock-stream.ts";

/** The batchEmbedContents path; group 1 is the (URL-encoded) model. */
const EMBED_PATH = /^\/v1beta\/models\/([^/:]+):batchEmbedContents$/;

const MAX_REQUESTS = 100;
const MAX_DIMENSIONS = 3072;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Handles a `/v1beta/...:batchEmbedContents` path: validate, apply controls, answer. */
export function geminiBatchEmbed(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: unknown,
  life: Life,
  ctx: GeminiMockContext,
): void {
  const match = EMBED_PATH.exec(path);
  if (match === null) {
    send(res, 404, "application/json", geminiErrorJson(404, `Unknown route: ${req.method} ${path}`));
    return;
  }
  const model = decodeURIComponent(match[1] ?? "");
  if (req.method !== "POST") {
    send(res, 405, "application/json", geminiErrorJson(405, `Method ${req.method} not allowed`));
    return;
  }
  if (!isObject(body)) {
    send(res, 400, "application/json", geminiErrorJson(400, "Invalid JSON payload received."));
    return;
  }
  let controls: MockControls;
  let retryDelay: number | undefined;
  let reply: string | undefined;
  try {
    const [shared, own] = parseAllControls(req, body.mock, ctx.behaviour.current);
    controls = shared;
    retryDelay = own.retryDelay;
    if (!injectsFailure(controls)) reply = answer(body, model);
  } catch (err) {
    if (!(err instanceof OpenAIError)) throw err;
    send(res, err.status, "application/json", geminiErrorJson(err.status, err.message));
    return;
  }
  later(controls.ttftMs ?? ctx.ttftMs, life, () => {
    if (reply === undefined) {
      const message = (status: number) => `Mock upstream error (status ${status})`;
      fail(res, life, controls, (status) => geminiErrorJson(status, message(status), retryDelay));
    } else if (controls.dropAfter !== undefined) drop(res, life);
    else send(res, 200, "application/json", reply);
  });
}

/** The embeddings for a valid body; throws an OpenAIError (400) as Gemini words it for an invalid one. */
function answer(body: Json, model: string): string {
  const requests = body.requests;
  if (!Array.isArray(requests) || requests.length === 0) {
    throw new OpenAIError(400, "* BatchEmbedContentsRequest.requests: requests is not specified");
  }
  if (requests.length > MAX_REQUESTS) {
    throw new OpenAIError(
      400,
      `* BatchEmbedContentsRequest.requests: at most ${MAX_REQUESTS} requests can be in one batch`,
    );
  }
  const embeddings = requests.map((request: unknown, i) => {
    const where = `* BatchEmbedContentsRequest.requests[${i}]`;
    if (!isObject(request)) throw new OpenAIError(400, `${where}: expected an object`);
    if (request.model !== `models/${model}`) {
      throw new OpenAIError(400, `${where}.model: model must be the same as the batch's models/${model}`);
    }
    const parts = isObject(request.content) ? request.content.parts : undefined;
    const text = Array.isArray(parts)
      ? parts
          .filter((p): p is Json => isObject(p) && typeof p.text === "string")
          .map((p) => p.text as string)
          .join(" ")
      : "";
    if (text === "") throw new OpenAIError(400, `${where}.content: contains an empty Part`);
    const dimensions = request.outputDimensionality ?? MOCK_EMBEDDING_DIMENSIONS;
    if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1) {
      throw new OpenAIError(400, `${where}.output_dimensionality: must be a positive integer`);
    }
    if (dimensions > MAX_DIMENSIONS) {
      throw new OpenAIError(400, `${where}.output_dimensionality: must be at most ${MAX_DIMENSIONS}`);
    }
    return { values: mockEmbedding(text, dimensions) };
  });
  return JSON.stringify({ embeddings });
}
