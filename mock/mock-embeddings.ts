/**
 * The mock upstream's OpenAI `POST /v1/embeddings`.
 *
 * Each input gets a deterministic vector derived from a hash of its text (`mockEmbedding`, which tests
 * use as the expected answer): 8 dimensions unless the request asks for `dimensions`, as JSON numbers or,
 * with `encoding_format: "base64"`, as base64 float32 little-endian. Usage counts words. The same
 * `x-mock-*` headers and `mock` body field as chat inject failures (`status`, `retry_after`, `error_body`),
 * delays (`ttft_ms`) and dropped connections (`drop_after`). The codec is written out here rather than
 * shared with the gateway, so a bug in the gateway's codec cannot hide behind the same bug in the mock.
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
import { drop, fail, type Life, later, send, sendError } from "./mock-stream.ts";

/** Vector size when the request does not ask for `dimensions`. */
export const MOCK_EMBEDDING_DIMENSIONS = 8;

const MAX_DIMENSIONS = 4096;

/** What the route needs from the server: its default first-byte delay, model name and behaviour. */
export interface MockEmbeddingsOptions {
  readonly ttftMs: number;
  readonly model: string;
  readonly behaviour: ServerBehaviour;
}

/**
 * The mock's vector for `text`: float32 values in [-1, 1) from a PRNG seeded with the text's FNV-1a
 * hash. A shorter vector is a prefix of a longer one, as with models that shorten their vectors.
 */
export function mockEmbedding(text: string, dimensions = MOCK_EMBEDDING_DIMENSIONS): number[] {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  let state = hash >>> 0;
  const values = new Array<number>(dimensions);
  for (let i = 0; i < dimensions; i++) {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    values[i] = Math.fround(unit * 2 - 1);
  }
  return values;
}

/** Handles one embeddings request: validate, apply controls, answer. */
export function mockEmbeddings(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  life: Life,
  options: MockEmbeddingsOptions,
): void {
  if (req.method !== "POST") {
    sendError(res, new OpenAIError(405, `Method ${req.method} not allowed`));
    return;
  }
  let controls: MockControls = NO_CONTROLS;
  let reply: string | undefined;
  try {
    if (body === undefined) {
      throw new OpenAIError(400, "We could not parse the JSON body of your request.", null, "invalid_json");
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new OpenAIError(400, "The request body must be a JSON object", null, "invalid_json");
    }
    const json = body as Record<string, unknown>;
    controls = parseControls(req.rawHeaders, json.mock, options.behaviour.current);
    if (!injectsFailure(controls)) reply = answer(json, options);
  } catch (err) {
    if (!(err instanceof OpenAIError)) throw err;
    sendError(res, err);
    return;
  }
  later(controls.ttftMs ?? options.ttftMs, life, () => {
    if (reply === undefined) {
      fail(res, life, controls, (status) => errorJson(status, `Mock upstream error (status ${status})`));
    } else if (controls.dropAfter !== undefined) drop(res, life);
    else send(res, 200, "application/json", reply);
  });
}

/** The OpenAI `list` of embeddings for a valid request; throws an OpenAIError (400) for an invalid one. */
function answer(json: Record<string, unknown>, options: MockEmbeddingsOptions): string {
  const texts = inputs(json.input);
  const dimensions = json.dimensions ?? MOCK_EMBEDDING_DIMENSIONS;
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1) {
    throw new OpenAIError(400, "dimensions must be a positive integer", "dimensions");
  }
  if (dimensions > MAX_DIMENSIONS) {
    throw new OpenAIError(400, `dimensions must be at most ${MAX_DIMENSIONS}`, "dimensions");
  }
  const format = json.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    throw new OpenAIError(400, "encoding_format must be 'float' or 'base64'", "encoding_format");
  }
  let words = 0;
  const data = texts.map((text, index) => {
    words += text.split(/\s+/).filter((w) => w !== "").length;
    const vector = mockEmbedding(text, dimensions);
    return { object: "embedding", index, embedding: format === "base64" ? base64(vector) : vector };
  });
  return JSON.stringify({
    object: "list",
    data,
    model: typeof json.model === "string" ? json.model : options.model,
    usage: { prompt_tokens: words, total_tokens: words },
  });
}

function inputs(input: unknown): string[] {
  const list = typeof input === "string" ? [input] : input;
  if (!Array.isArray(list) || list.length === 0) {
    throw new OpenAIError(400, "input must be a non-empty string or array of strings", "input");
  }
  for (const item of list) {
    if (typeof item !== "string" || item === "") {
      throw new OpenAIError(400, "each input must be a non-empty string", "input");
    }
  }
  return list as string[];
}

function base64(values: number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => {
    bytes.writeFloatLE(value, i * 4);
  });
  return bytes.toString("base64");
}
