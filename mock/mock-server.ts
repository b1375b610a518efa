/**
 * The mock upstream's server: a real `node:http` listener standing in for vLLM, llama.cpp, OpenAI,
 * Anthropic, Gemini, Ollama and TGI in demos, tests and benchmarks. It reads each body once, records
 * the request (mock-recorder.ts) and hands it to the route table (mock-routes.ts).
 *
 * Deterministic output (see mock-text.ts) and fault injection (see mock-controls.ts): per request through
 * `x-mock-*` headers or a `mock` body field, and for the whole server through `setBehaviour`, so that
 * several mocks behind one model can each be made to fail on their own.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type MockControls, parseBehaviour, type ServerBehaviour } from "./mock-controls.ts";
import { OpenAIError } from "./mock-errors.ts";
import { createRecorder, type RecordedRequest } from "./mock-recorder.ts";
import { mockRoutes } from "./mock-routes.ts";
import { type Life, sendError } from "./mock-stream.ts";

/**
 * Controls applied to every request that asks for an answer (chat, messages, generate, embeddings), as
 * the defaults a request's own `x-mock-*` headers and `mock` body field override field by field: for
 * example `{ status: 503, retryAfter: 1 }`, `{ reset: true }` or `{ ttftMs: 500 }`. Validated like a
 * request's controls. The GET routes (model listings, health, info) take no controls and ignore it, so
 * a failing mock still lists its models, as an overloaded server does.
 */
export type MockBehaviour = Readonly<MockControls>;

export interface MockOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Completion tokens per response (default 16). */
  tokens?: number;
  /** Delay before the first byte / first chunk, ms (default 0). */
  ttftMs?: number;
  /** Delay between streamed content chunks, ms (default 0). */
  itlMs?: number;
  /** Ids listed by /v1/models (default ["mock-small", "mock-large"]). */
  models?: string[];
  /** Record requests (default true; the benchmark turns it off so memory stays flat). */
  record?: boolean;
  /** The behaviour it starts with (and returns to on `reset()` or `setBehaviour(undefined)`). */
  behaviour?: MockBehaviour;
}

export interface MockUpstream {
  /** e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
  /** Resolves with the first aborted request not yet returned; rejects after `timeoutMs` (default 5000). */
  waitForAbort(timeoutMs?: number): Promise<RecordedRequest>;
  /**
   * Sets the behaviour every request starts from (replacing the previous one; `undefined` returns to
   * the start-up behaviour). Takes effect for requests that arrive afterwards. Throws a `RangeError`
   * for an invalid control.
   */
  setBehaviour(behaviour: MockBehaviour | undefined): void;
  /**
   * Requests being answered now: from their arrival until their response has ended or their connection
   * closed (GETs, such as the model listings, not counted).
   */
  readonly active: number;
  /** The most requests `active` has counted at once since start or the last `reset()`. */
  readonly maxActive: number;
  /**
   * Forget recorded requests and unclaimed aborts, return to the start-up behaviour, and restart
   * `maxActive` from the requests active now.
   */
  reset(): void;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Start the mock upstream; resolves once it is listening. */
export async function startMockUpstream(options: MockOptions = {}): Promise<MockUpstream> {
  const host = options.host ?? "127.0.0.1";
  const tokens = options.tokens ?? 16;
  const ttftMs = options.ttftMs ?? 0;
  const itlMs = options.itlMs ?? 0;
  const models = options.models ?? ["mock-small", "mock-large"];
  for (const [name, v] of Object.entries({ tokens, ttftMs, itlMs })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`mock upstream: ${name} must be an integer >= 0`);
  }
  const initial = parseBehaviour(options.behaviour);
  const behaviour: ServerBehaviour = { current: initial };
  const route = mockRoutes({
    defaults: { tokens, model: models[0] ?? "mock" },
    ttftMs,
    itlMs,
    behaviour,
    models,
    startedAt: Math.floor(Date.now() / 1000),
  });
  const recorder = createRecorder(options.record ?? true);
  let active = 0;
  let maxActive = 0;

  const server = createServer((req, res) => {
    // Model listings, health and info are GETs; everything that asks for an answer is not.
    const counted = req.method !== "GET";
    if (counted && ++active > maxActive) maxActive = active;
    const life: Life = { closed: false, dropped: false, cancel: undefined };
    let rec: RecordedRequest | undefined;
    res.on("close", () => {
      if (counted) active--;
      life.closed = true;
      life.cancel?.();
      if (rec) recorder.settle(rec, res.writableFinished, life.dropped);
    });
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return;
      if (first === undefined) first = chunk;
      else if (chunks === undefined) chunks = [first, chunk];
      else chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) {
        sendError(res, new OpenAIError(413, "Request body too large", null, "request_too_large"));
        return;
      }
      const raw = chunks ? Buffer.concat(chunks) : first;
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const path = q < 0 ? url : url.slice(0, q);
      const body = parseBody(raw);
      rec = recorder.record(req, path, body, raw);
      route(req, res, path, body, life);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost =
    host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    requests: recorder.requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        recorder.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    waitForAbort: (timeoutMs = 5000) => recorder.waitForAbort(timeoutMs),
    setBehaviour(next) {
      behaviour.current = next === undefined ? initial : parseBehaviour(next);
    },
    get active() {
      return active;
    },
    get maxActive() {
      return maxActive;
    },
    reset() {
      recorder.reset();
      behaviour.current = initial;
      maxActive = active;
    },
  };
}

/** The body as JSON, or undefined when it is empty or not JSON (each route answers that its own way). */
function parseBody(raw: Buffer | undefined): unknown {
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}
