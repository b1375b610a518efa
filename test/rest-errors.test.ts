import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Bad input and failing upstreams, over raw HTTP: every failure is a clear
 * OpenAI-shaped error with the right status, and the gateway keeps serving.
 */

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const hello = [{ role: "user", content: "Hello there, mock upstream!" }];

function post(gw: TestGateway, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

function postJson(gw: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  return post(gw, JSON.stringify(body), headers);
}

/** Reads an error response, checking that it is exactly OpenAI's shape and has the status. */
async function expectError(res: Response, status: number): Promise<OpenAIErrorBody["error"]> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as OpenAIErrorBody;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(typeof body.error.type).toBe("string");
  return body.error;
}

/** A normal chat request still succeeds: the error did not take the process (or the connection pool) down. */
async function expectStillServing(gw: TestGateway, headers: Record<string, string> = {}): Promise<void> {
  const res = await postJson(gw, { model: "mock-small", messages: hello }, headers);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { choices: Array<{ finish_reason: string }> };
  expect(body.choices[0]?.finish_reason).toBe("stop");
}

/** Sends a raw HTTP/1.1 request with node:http, writing the body in the given pieces (chunked when no length). */
function rawRequest(
  gw: TestGateway,
  options: { method?: string; path?: string; headers?: Record<string, string>; pieces?: Buffer[] },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: gw.port,
        method: options.method ?? "POST",
        path: options.path ?? "/v1/chat/completions",
        headers: options.headers ?? {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    // The gateway may answer (and close) before the whole body is written; that is the point.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    for (const piece of options.pieces ?? []) req.write(piece);
    req.end();
  });
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Parses an SSE body into its data payloads. */
function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      expect(frame.startsWith("data: ")).toBe(true);
      return frame.slice(6);
    });
}

describe("malformed requests", () => {
  let gw: TestGateway;

  useTestGateway({ config: { server: { body_limit_bytes: 1024 } } }, (started) => {
    gw = started;
  });
  afterEach(async () => {
    await expectStillServing(gw);
  });

  it("returns 400 for malformed JSON", async () => {
    const error = await expectError(await post(gw, '{"model": "mock-small", "messages": ['), 400);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_request" });
    expect(error.message).toMatch(/not valid JSON/);
  });

  it("returns 400 for an empty body", async () => {
    const error = await expectError(await post(gw, ""), 400);
    expect(error.message).toMatch(/empty/);
  });

  it("returns 400 when the body is JSON but not an object", async () => {
    const error = await expectError(await postJson(gw, [1, 2, 3]), 400);
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toMatch(/must be an object/);
  });

  it("returns 400 naming messages when messages is a string", async () => {
    const error = await expectError(await postJson(gw, { model: "mock-small", messages: "hi" }), 400);
    expect(error).toMatchObject({
      type: "invalid_request_error",
      param: "messages",
      code: "invalid_request",
    });
    expect(error.message).toMatch(/messages must be an array/);
  });

  it("returns 400 naming temperature when temperature is a string", async () => {
    const error = await expectError(
      await postJson(gw, { model: "mock-small", messages: hello, temperature: "hot" }),
      400,
    );
    expect(error).toMatchObject({ type: "invalid_request_error", param: "temperature" });
    expect(error.message).toMatch(/temperature must be a number/);
  });

  it("returns 400 naming the nested field for a bad message role", async () => {
    const error = await expectError(
      await postJson(gw, { model: "mock-small", messages: [{ role: "robot", content: "hi" }] }),
      400,
    );
    expect(error.param).toBe("messages[0].role");
  });

  it("returns 400 naming model when the model is missing", async () => {
    const error = await expectError(await postJson(gw, { messages: hello }), 400);
    expect(error).toMatchObject({ type: "invalid_request_error", param: "model", code: "invalid_request" });
  });

  it("returns 400 naming messages when messages are missing", async () => {
    const error = await expectError(await postJson(gw, { model: "mock-small" }), 400);
    expect(error).toMatchObject({ type: "invalid_request_error", param: "messages" });
  });

  it("returns 404 for a model on an unknown provider", async () => {
    const error = await expectError(await postJson(gw, { model: "nope:model", messages: hello }), 404);
    expect(error).toMatchObject({ type: "invalid_request_error", param: "model", code: "model_not_found" });
    expect(error.message).toMatch(/unknown provider "nope"/);
    expect(gw.mock.requests.some((r) => (r.body as { model?: string } | undefined)?.model === "model")).toBe(
      false,
    );
  });

  it("returns 400 for a body that is not valid UTF-8", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"model":"mock-small","messages":[{"role":"user","content":"'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from('"}]}'),
    ]);
    const error = await expectError(await post(gw, bytes), 400);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_request" });
    expect(error.message).toMatch(/UTF-8/);
  });

  it("returns 413 when the body is over the limit, with a truthful content-length", async () => {
    const big = JSON.stringify({
      model: "mock-small",
      messages: [{ role: "user", content: "x".repeat(2048) }],
    });
    const res = await rawRequest(gw, {
      headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(big)) },
      pieces: [Buffer.from(big)],
    });
    expect(res.status).toBe(413);
    const body = JSON.parse(res.body) as OpenAIErrorBody;
    expect(body.error).toMatchObject({
      type: "invalid_request_error",
      param: null,
      code: "payload_too_large",
    });
    expect(body.error.message).toMatch(/1024-byte limit/);
  });

  it("returns 413 when a chunked body grows over the limit", async () => {
    const piece = Buffer.from("x".repeat(400));
    const res = await rawRequest(gw, {
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      pieces: [
        Buffer.from('{"model":"mock-small","messages":[{"role":"user","content":"'),
        piece,
        piece,
        piece,
      ],
    });
    expect(res.status).toBe(413);
    const body = JSON.parse(res.body) as OpenAIErrorBody;
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "payload_too_large" });
  });

  it("accepts a body just under the limit", async () => {
    const body = JSON.stringify({
      model: "mock-small",
      messages: [{ role: "user", content: "x".repeat(900) }],
    });
    expect(Buffer.byteLength(body)).toBeLessThan(1024);
    expect((await post(gw, body)).status).toBe(200);
  });

  it("returns 415 for a body that says it is not JSON, and reads a body with no content-type as JSON", async () => {
    const chat = JSON.stringify({ model: "mock-small", messages: hello });
    for (const type of [
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data",
    ]) {
      const error = await expectError(await post(gw, chat, { "content-type": type }), 415);
      expect(error).toMatchObject({ type: "invalid_request_error", code: "unsupported_media_type" });
      expect(error.message).toMatch(/must be JSON/);
    }
    expect((await post(gw, chat, { "content-type": "application/json; charset=utf-8" })).status).toBe(200);
    expect((await post(gw, chat, { "content-type": "application/vnd.api+json" })).status).toBe(200);
    const bare = await rawRequest(gw, {
      path: "/v1/chat/completions",
      headers: { "content-length": String(Buffer.byteLength(chat)) },
      pieces: [Buffer.from(chat)],
    });
    expect(bare.status).toBe(200);
  });

  it("returns 400 for a max_tokens that does not fit the canonical uint32", async () => {
    const error = await expectError(
      await postJson(gw, { model: "mock-small", messages: hello, max_tokens: 2 ** 32 }),
      400,
    );
    expect(error).toMatchObject({ param: "max_tokens", code: "invalid_request" });
    const top = await postJson(gw, { model: "mock-small", messages: hello, max_tokens: 2 ** 32 - 1 });
    expect(top.status).toBe(200);
  });

  it("returns 400, not a 500, for pass-through JSON nested too deep to forward", async () => {
    let deep: unknown = 1;
    // Deep enough to refuse, small enough for this gateway's 1 KiB body limit.
    for (let i = 0; i < 300; i++) deep = [deep];
    const extra = await post(
      gw,
      `{"model":"mock-small","messages":${JSON.stringify(hello)},"vendor":${JSON.stringify(deep)}}`,
    );
    expect(await expectError(extra, 400)).toMatchObject({ code: "invalid_request", param: "extra" });
    let schema: unknown = {};
    for (let i = 0; i < 80; i++) schema = { a: schema };
    const tool = await postJson(gw, {
      model: "mock-small",
      messages: hello,
      tools: [{ type: "function", function: { name: "deep", parameters: schema } }],
    });
    expect(await expectError(tool, 400)).toMatchObject({ param: "tools[0].function.parameters" });
  });

  it("puts x-request-id on every answer: models, errors and 404s too", async () => {
    for (const path of [
      "/v1/models",
      "/v1/models/mock:mock-small",
      "/v1/models/nope",
      "/v1/nope",
      "/health",
    ]) {
      const response = await fetch(`${gw.url}${path}`, { headers: { "x-request-id": "trace-me-42" } });
      expect(response.headers.get("x-request-id"), path).toBe("trace-me-42");
      await response.body?.cancel();
    }
    const made = await fetch(`${gw.url}/v1/models`);
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("returns 400, not a dropped connection, for a malformed percent-escape in a model path", async () => {
    const error = await expectError(await fetch(`${gw.url}/v1/models/%E0%A4%A`), 400);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_request" });
    expect(error.message).toMatch(/percent-escape/);
  });

  it("returns 404 for a model path naming no model", async () => {
    const error = await expectError(await fetch(`${gw.url}/v1/models/mock%3Anope`), 404);
    expect(error).toMatchObject({ param: "model", code: "model_not_found" });
  });

  it("returns 404 for an unknown route", async () => {
    const error = await expectError(await fetch(`${gw.url}/v1/nope`), 404);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "not_found" });
    await expectError(await fetch(`${gw.url}/v1/nope`, { method: "POST", body: "{}" }), 404);
  });

  it("returns 405 with Allow for a wrong method", async () => {
    const get = await fetch(`${gw.url}/v1/chat/completions`);
    expect(get.headers.get("allow")).toBe("POST");
    const error = await expectError(get, 405);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "method_not_allowed" });

    const del = await fetch(`${gw.url}/v1/models`, { method: "DELETE" });
    expect(del.headers.get("allow")).toBe("GET");
    await expectError(del, 405);

    const post = await fetch(`${gw.url}/health`, { method: "POST", body: "{}" });
    expect(post.headers.get("allow")).toBe("GET");
    await expectError(post, 405);
  });
});

describe("an unreachable upstream", () => {
  let live: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    // Two providers: "dead" points at a closed port, "mock" at a live mock, to show the gateway still serves.
    live = await startMockUpstream();
    const dead = await closedPort();
    gw = await startTestGateway({
      config: {
        providers: [
          { name: "mock", base_url: `${live.url}/v1`, models: ["mock-small"] },
          { name: "dead", base_url: `http://127.0.0.1:${dead}/v1`, models: ["ghost"], discover: false },
        ],
      },
    });
  });
  afterAll(async () => {
    await gw.close();
    await live.close();
  });
  afterEach(async () => {
    await expectStillServing(gw);
  });

  it("returns 503 upstream_unavailable when the upstream port is closed", async () => {
    const error = await expectError(await postJson(gw, { model: "dead:ghost", messages: hello }), 503);
    expect(error).toMatchObject({ type: "service_unavailable", code: "upstream_unavailable" });
    expect(error.message).toMatch(/dead/);
  });

  it("returns 503 before the stream starts when a streaming request's upstream is unreachable", async () => {
    const res = await postJson(gw, { model: "dead:ghost", messages: hello, stream: true });
    expect((await expectError(res, 503)).code).toBe("upstream_unavailable");
  });
});

describe("upstream errors through the mock", () => {
  let gw: TestGateway;

  useTestGateway({}, (started) => {
    gw = started;
  });
  afterEach(async () => {
    await expectStillServing(gw);
  });

  it("maps an upstream 503 to 503 and keeps its retry-after", async () => {
    const res = await postJson(gw, {
      model: "mock-small",
      messages: hello,
      mock: { status: 503, retry_after: 7 },
    });
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.headers.get("x-should-retry")).toBe("true");
    const error = await expectError(res, 503);
    expect(error).toMatchObject({ type: "service_unavailable", code: "upstream_unavailable" });
    expect(error.message).toMatch(/503/);
  });

  it("maps an upstream 429 to 429 rate_limit_error and keeps its retry-after", async () => {
    const res = await postJson(gw, {
      model: "mock-small",
      messages: hello,
      stream: true,
      mock: { status: 429, retry_after: 3 },
    });
    expect(res.headers.get("retry-after")).toBe("3");
    const error = await expectError(res, 429);
    expect(error).toMatchObject({ type: "rate_limit_error", code: "upstream_rate_limited" });
  });

  it("maps an upstream 400 to 400 and keeps the upstream's message", async () => {
    const error = await expectError(
      await postJson(gw, { model: "mock-small", messages: hello, mock: { tokens: -1 } }),
      400,
    );
    expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_request" });
    expect(error.message).toMatch(/upstream mock answered 400: Invalid mock control "tokens"/);
  });

  it("maps an upstream 500 to 502 server_error", async () => {
    const error = await expectError(
      await postJson(gw, { model: "mock-small", messages: hello, mock: { status: 500 } }),
      502,
    );
    expect(error).toMatchObject({ type: "server_error", code: "upstream_error" });
  });

  it("ends a stream whose upstream drops mid-way with an error event, never a silent cut", async () => {
    const res = await postJson(gw, {
      model: "mock-small",
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
      mock: { drop_after: 2 },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseData(await res.text());
    expect(events).not.toContain("[DONE]");
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as { choices: unknown[] });
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    const last = JSON.parse(events.at(-1) as string) as OpenAIErrorBody;
    expect(last.error).toMatchObject({ type: "server_error", code: "upstream_error" });
    expect(last.error.message).toMatch(/mock/);
  });

  it("answers a non-streaming request whose upstream drops with 502", async () => {
    const error = await expectError(
      await postJson(gw, { model: "mock-small", messages: hello, mock: { drop_after: 0 } }),
      502,
    );
    expect(error.code).toBe("upstream_error");
  });
});

describe("deadlines", () => {
  let gw: TestGateway;

  useTestGateway({ config: { server: { request_timeout_ms: 500 } } }, (started) => {
    gw = started;
  });
  afterEach(async () => {
    await expectStillServing(gw);
  });

  it("returns 504 deadline_exceeded when the upstream outlives the request timeout, and aborts it", async () => {
    gw.mock.reset();
    const error = await expectError(
      await postJson(gw, { model: "mock-small", messages: hello, mock: { ttft_ms: 3000 } }),
      504,
    );
    expect(error).toMatchObject({ type: "server_error", code: "deadline_exceeded" });
    expect((await gw.mock.waitForAbort(1000)).aborted).toBe(true);
  });

  it("ends a stream that outlives the request timeout with a deadline_exceeded error event", async () => {
    const res = await postJson(gw, {
      model: "mock-small",
      messages: hello,
      stream: true,
      mock: { itl_ms: 50, tokens: 200 },
    });
    expect(res.status).toBe(200);
    const events = sseData(await res.text());
    expect(events).not.toContain("[DONE]");
    const last = JSON.parse(events.at(-1) as string) as OpenAIErrorBody;
    expect(last.error).toMatchObject({ type: "server_error", code: "deadline_exceeded" });
  });

  it("ends with the error event, not [DONE], when the deadline fires while a slow reader holds the stream", async () => {
    // 100k tokens fill the socket; the client reads nothing until after the deadline, so the gateway
    // is waiting for `drain` when the deadline fires.
    const body = JSON.stringify({
      model: "mock-small",
      messages: hello,
      stream: true,
      mock: { tokens: 100_000 },
    });
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: gw.port,
          method: "POST",
          path: "/v1/chat/completions",
          headers: { "content-type": "application/json" },
        },
        (res) => {
          res.pause();
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          res.on("error", reject);
          setTimeout(() => res.resume(), 1200);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    const events = sseData(text);
    expect(events).not.toContain("[DONE]");
    const last = JSON.parse(events.at(-1) as string) as OpenAIErrorBody;
    expect(last.error.code).toBe("deadline_exceeded");
  });
});

describe("health with API keys configured", () => {
  const key = "sk-test-aaaaaaaa";
  let gw: TestGateway;

  useTestGateway({ config: { keys: [{ name: "team-a", key }] } }, (started) => {
    gw = started;
  });

  it("answers /health 200 without a key, while the API needs one", async () => {
    const health = await fetch(`${gw.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const error = await expectError(await postJson(gw, { model: "mock-small", messages: hello }), 401);
    expect(error).toMatchObject({ type: "authentication_error", code: "unauthenticated" });
    await expectStillServing(gw, { authorization: `Bearer ${key}` });
  });

  it("checks the key before reading the body, so bad input without a key is a 401", async () => {
    const error = await expectError(await post(gw, "{not json"), 401);
    expect(error.type).toBe("authentication_error");
  });
});
