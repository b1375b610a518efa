/**
 * Mock OpenAI-compatible upstream: a real `node:http` server standing in for vLLM / llama.cpp / OpenAI in
 * demos, tests and benchmarks.
 *
 * Deterministic output (see mock-text.ts), per-request fault injection through `x-mock-*` headers or a
 * `mock` body field (see mock-controls.ts), and request recording with client-abort detection so tests
 * can assert what the gateway sent and that it cancels upstream work. With no delays and no controls the
 * request path is kept minimal because the benchmark uses the mock as its baseline.
 */

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropicMessages } from "./mock-anthropic.ts";
import { anthropicModelsJson } from "./mock-anthropic-wire.ts";
import { hasControlHeaders, type MockControls, NO_CONTROLS, parseControls } from "./mock-controls.ts";
import { mockEmbeddings } from "./mock-embeddings.ts";
import { errorJson, OpenAIError } from "./mock-errors.ts";
import { geminiApi } from "./mock-gemini.ts";
import { geminiBatchEmbed } from "./mock-gemini-embed.ts";
import { ollamaChat } from "./mock-ollama.ts";
import { ollamaEmbed } from "./mock-ollama-embed.ts";
import { ollamaTagsJson } from "./mock-ollama-wire.ts";
import { planReply, type ReplyPlan } from "./mock-reply.ts";
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
import { tgiGenerate } from "./mock-tgi.ts";
import { tgiInfoJson } from "./mock-tgi-wire.ts";
import { completionJson, streamFrames } from "./mock-wire.ts";

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
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined (no body / not JSON). */
  body: unknown;
  /** Date.now() when the body had been read. */
  receivedAt: number;
  /** The whole response was handed to the OS. */
  completed: boolean;
  /** The client went away before the response finished. */
  aborted: boolean;
  /** The mock cut the connection on purpose (`drop_after`); not counted as an abort. */
  dropped: boolean;
}

export interface MockUpstream {
  /** e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
  /** Resolves with the first aborted request not yet returned; rejects after `timeoutMs` (default 5000). */
  waitForAbort(timeoutMs?: number): Promise<RecordedRequest>;
  /** Forget recorded requests and unclaimed aborts. */
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
  const record = options.record ?? true;
  for (const [name, v] of Object.entries({ tokens, ttftMs, itlMs })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`mock upstream: ${name} must be an integer >= 0`);
  }
  const defaults = { tokens, model: models[0] ?? "mock" };
  const startedAt = Math.floor(Date.now() / 1000);
  const modelsJson = JSON.stringify({
    object: "list",
    data: models.map((id) => ({ id, object: "model", created: startedAt, owned_by: "mock" })),
  });
  const anthropicModels = anthropicModelsJson(models, startedAt);
  const ollamaTags = ollamaTagsJson(models, startedAt);

  const requests: RecordedRequest[] = [];
  const abortQueue: RecordedRequest[] = [];
  const waiters: Array<{
    resolve: (r: RecordedRequest) => void;
    reject: (e: Error) => void;
    timer: NodeJS.Timeout;
  }> = [];
  let seq = 0;
  const anthropic = { defaults, ttftMs, itlMs, nextSeq: () => ++seq };
  const ollama = { ...anthropic, models };
  const gemini = { ...anthropic, models };

  function onAbort(rec: RecordedRequest): void {
    const waiter = waiters.shift();
    if (!waiter) {
      abortQueue.push(rec);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(rec);
  }

  function chat(req: IncomingMessage, res: ServerResponse, json: Record<string, unknown>, life: Life): void {
    let controls: MockControls = NO_CONTROLS;
    let plan: ReplyPlan | undefined;
    try {
      if (json.mock !== undefined || hasControlHeaders(req.rawHeaders)) {
        controls = parseControls(req.rawHeaders, json.mock);
      }
      if (controls.status === undefined && controls.errorBody === undefined) {
        plan = planReply(json, controls, defaults, ++seq);
      }
    } catch (err) {
      if (!(err instanceof OpenAIError)) throw err;
      sendError(res, err);
      return;
    }
    const ttft = controls.ttftMs ?? ttftMs;
    if (!plan) {
      later(ttft, life, () => fail(res, controls));
      return;
    }
    const id = `chatcmpl-mock${seq.toString(36).padStart(6, "0")}`;
    const created = Math.floor(Date.now() / 1000);
    if (plan.stream) {
      void streamReply(
        res,
        streamFrames(plan, id, created),
        ttft,
        controls.itlMs ?? itlMs,
        controls.dropAfter,
        life,
        undefined,
        controls.padBytes,
      );
    } else if (controls.dropAfter !== undefined) {
      later(ttft, life, () => drop(res, life, undefined));
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
  function fail(res: ServerResponse, controls: MockControls): void {
    failWith(res, controls, (status) => errorJson(status, `Mock upstream error (status ${status})`));
  }

  function route(req: IncomingMessage, res: ServerResponse, path: string, body: unknown, life: Life): void {
    const method = req.method;
    if (path === "/v1/chat/completions") {
      if (method !== "POST") sendError(res, new OpenAIError(405, `Method ${method} not allowed`));
      else if (body === undefined) {
        sendError(
          res,
          new OpenAIError(400, "We could not parse the JSON body of your request.", null, "invalid_json"),
        );
      } else if (body === null || typeof body !== "object" || Array.isArray(body)) {
        sendError(res, new OpenAIError(400, "The request body must be a JSON object", null, "invalid_json"));
      } else chat(req, res, body as Record<string, unknown>, life);
    } else if (path === "/v1/messages") anthropicMessages(req, res, body, life, anthropic);
    else if (path === "/api/chat") ollamaChat(req, res, body, life, ollama);
    else if (path === "/api/embed") ollamaEmbed(req, res, body, life, ollama);
    else if (path.startsWith("/v1beta/") && path.endsWith(":batchEmbedContents"))
      geminiBatchEmbed(req, res, path, body, life, gemini);
    else if (path.startsWith("/v1beta/")) geminiApi(req, res, path, body, life, gemini);
    else if (path === "/generate" || path === "/generate_stream")
      tgiGenerate(req, res, body, life, anthropic, path === "/generate_stream");
    else if (path === "/info" && method === "GET")
      send(res, 200, "application/json", tgiInfoJson(defaults.model));
    else if (path === "/api/tags" && method === "GET") send(res, 200, "application/json", ollamaTags);
    else if (path === "/v1/embeddings")
      mockEmbeddings(req, res, body, life, { ttftMs, model: defaults.model });
    else if (path === "/v1/models" && method === "GET") {
      send(res, 200, "application/json", req.headers["anthropic-version"] ? anthropicModels : modelsJson);
    } else if (path === "/health" && method === "GET") send(res, 200, "application/json", '{"status":"ok"}');
    else sendError(res, new OpenAIError(404, `Unknown route: ${method} ${path}`, null, "not_found"));
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer | undefined): void {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    let body: unknown;
    if (raw !== undefined && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        body = undefined;
      }
    }
    const life: Life = { closed: false, dropped: false, cancel: undefined };
    let rec: RecordedRequest | undefined;
    if (record) {
      rec = {
        method: req.method ?? "GET",
        path,
        headers: req.headers,
        body,
        receivedAt: Date.now(),
        completed: false,
        aborted: false,
        dropped: false,
      };
      requests.push(rec);
    }
    res.on("close", () => {
      life.closed = true;
      life.cancel?.();
      if (!rec) return;
      rec.completed = res.writableFinished;
      rec.dropped = life.dropped;
      if (!res.writableFinished && !life.dropped) {
        rec.aborted = true;
        onAbort(rec);
      }
    });
    route(req, res, path, body, life);
  }

  const server = createServer((req, res) => {
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
      } else handle(req, res, chunks ? Buffer.concat(chunks) : first);
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
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const w of waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error("mock upstream closed"));
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    waitForAbort(timeoutMs = 5000) {
      const queued = abortQueue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise<RecordedRequest>((resolve, reject) => {
        const waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            const i = waiters.indexOf(waiter);
            if (i >= 0) waiters.splice(i, 1);
            reject(new Error(`mock upstream: no aborted request within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        waiters.push(waiter);
      });
    },
    reset() {
      requests.length = 0;
      abortQueue.length = 0;
    },
  };
}

/** CLI entry (`llmgw mock`): start, log one JSON line, close on SIGINT/SIGTERM. */
export async function runMockCli(args: {
  host?: string;
  port?: number;
  tokens?: number;
  ttftMs?: number;
  itlMs?: number;
}): Promise<MockUpstream> {
  const mock = await startMockUpstream({ ...args, record: false });
  process.stdout.write(
    `${JSON.stringify({
      msg: "mock upstream listening",
      url: mock.url,
      tokens: args.tokens ?? 16,
      ttftMs: args.ttftMs ?? 0,
      itlMs: args.itlMs ?? 0,
    })}\n`,
  );
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    void mock.close();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return mock;
}
