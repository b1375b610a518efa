import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";

let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMockUpstream();
});

afterAll(async () => {
  await mock.close();
});

beforeEach(() => {
  mock.reset();
});

// biome-ignore lint/suspicious/noExplicitAny: assertions walk untyped JSON responses
type Json = Record<string, any>;

const hello = [{ role: "user", content: "Hello there, mock upstream!" }];
const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

function post(body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
}

/** Data payloads of an SSE body, in order ("[DONE]" kept as a string). */
function sseData(text: string): Array<Json | "[DONE]"> {
  const out: Array<Json | "[DONE]"> = [];
  for (const frame of text.split("\n\n")) {
    if (!frame.trim()) continue;
    expect(frame.startsWith("data: ")).toBe(true);
    const data = frame.slice(6);
    out.push(data === "[DONE]" ? "[DONE]" : JSON.parse(data));
  }
  return out;
}

async function stream(body: Json, headers?: Record<string, string>) {
  const res = await post({ ...body, stream: true }, headers);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const events = sseData(await res.text());
  const chunks = events.filter((e): e is Json => e !== "[DONE]");
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
  return { events, chunks, text, done: events.at(-1) === "[DONE]" };
}

describe("mock upstream: non-streaming", () => {
  it("returns an OpenAI chat.completion, deterministically", async () => {
    const res = await post({ model: "mock-small", messages: hello });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "mock-small",
      choices: [{ index: 0, message: { role: "assistant" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(typeof body.created).toBe("number");
    const content = body.choices[0].message.content as string;
    expect(content.startsWith("lorem ipsum dolor")).toBe(true);
    expect(content.split(" ")).toHaveLength(16);

    const again = (await (await post({ model: "mock-large", messages: hello })).json()) as Json;
    expect(again.model).toBe("mock-large");
    expect(again.choices[0].message.content).toBe(content);
  });

  it("cuts the output at max_tokens with finish_reason length", async () => {
    const body = (await (await post({ model: "m", messages: hello, max_tokens: 5 })).json()) as Json;
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.choices[0].message.content).toBe("lorem ipsum dolor sit amet");
    expect(body.usage.completion_tokens).toBe(5);
    const exact = (await (
      await post({ model: "m", messages: hello, max_completion_tokens: 16 })
    ).json()) as Json;
    expect(exact.choices[0].finish_reason).toBe("stop");
  });

  it("honours the tokens control from the body and from headers (header wins)", async () => {
    const fromBody = (await (
      await post({ model: "m", messages: hello, mock: { tokens: 3 } })
    ).json()) as Json;
    expect(fromBody.choices[0].message.content).toBe("lorem ipsum dolor");
    const res = await post({ model: "m", messages: hello, mock: { tokens: 3 } }, { "x-mock-tokens": "2" });
    expect(((await res.json()) as Json).choices[0].message.content).toBe("lorem ipsum");
  });

  it("omits usage with usage:none", async () => {
    const body = (await (
      await post({ model: "m", messages: hello, mock: { usage: "none" } })
    ).json()) as Json;
    expect(body.usage).toBeUndefined();
  });

  it("returns a JSON object string in json mode", async () => {
    for (const type of ["json_object", "json_schema"]) {
      const body = (await (
        await post({ model: "m", messages: hello, response_format: { type } })
      ).json()) as Json;
      const parsed = JSON.parse(body.choices[0].message.content);
      expect(parsed.answer.startsWith("lorem ipsum")).toBe(true);
    }
  });

  it("calls the first tool on the [[call_tool]] marker", async () => {
    const messages = [{ role: "user", content: "What is the weather? [[call_tool]]" }];
    const body = (await (await post({ model: "m", messages, tools: [weatherTool] })).json()) as Json;
    expect(body.choices[0]).toMatchObject({
      finish_reason: "tool_calls",
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
      },
    });
    // Without tools the marker is just text.
    const plain = (await (await post({ model: "m", messages })).json()) as Json;
    expect(plain.choices[0].finish_reason).toBe("stop");
  });

  it("quotes the tool result when the last message is a tool message", async () => {
    const messages = [
      { role: "user", content: "Weather? [[call_tool]]" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "c1", content: "sunny, 21C" },
    ];
    const body = (await (await post({ model: "m", messages, tools: [weatherTool] })).json()) as Json;
    expect(body.choices[0].message.content).toBe("The tool said: sunny, 21C");
    expect(body.choices[0].finish_reason).toBe("stop");
  });
});

describe("mock upstream: streaming", () => {
  it("streams role, content chunks, finish and [DONE], assembling to the non-stream text", async () => {
    const expected = ((await (await post({ model: "m", messages: hello })).json()) as Json).choices[0].message
      .content;
    const { chunks, text, done } = await stream({ model: "m", messages: hello });
    expect(done).toBe(true);
    expect(text).toBe(expected);
    expect(chunks[0]?.choices[0].delta.role).toBe("assistant");
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "m")).toBe(true);
    expect(chunks.filter((c) => c.choices[0]?.delta?.content)).toHaveLength(16);
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe("stop");
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it("sends a separate usage chunk with stream_options.include_usage", async () => {
    const { chunks, done } = await stream({
      model: "m",
      messages: hello,
      stream_options: { include_usage: true },
    });
    expect(done).toBe(true);
    const last = chunks.at(-1) as Json;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 });
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe("stop");
  });

  it("puts usage on the finish chunk with usage:finish and omits it with usage:none", async () => {
    const finish = await stream({ model: "m", messages: hello, mock: { usage: "finish" } });
    const last = finish.chunks.at(-1) as Json;
    expect(last.choices[0].finish_reason).toBe("stop");
    expect(last.usage.total_tokens).toBe(20);

    const none = await stream(
      { model: "m", messages: hello, stream_options: { include_usage: true } },
      { "x-mock-usage": "none" },
    );
    expect(none.done).toBe(true);
    expect(none.chunks.some((c) => c.usage)).toBe(false);
  });

  it("omits [DONE] with done:false", async () => {
    const { events, chunks } = await stream({ model: "m", messages: hello, mock: { done: false } });
    expect(events).not.toContain("[DONE]");
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe("stop");
  });

  it("reports finish_reason length when max_tokens cuts the stream", async () => {
    const { chunks, text } = await stream({ model: "m", messages: hello, max_tokens: 3 });
    expect(text).toBe("lorem ipsum dolor");
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe("length");
  });

  it("streams a tool call as fragments that assemble to valid JSON arguments", async () => {
    const messages = [{ role: "user", content: "weather please" }];
    const { chunks, done } = await stream({
      model: "m",
      messages,
      tools: [weatherTool],
      mock: { tool_call: true },
    });
    expect(done).toBe(true);
    const fragments = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(fragments[0]).toMatchObject({
      index: 0,
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(fragments[0].id).toMatch(/^call_/);
    const argPieces = fragments.slice(1).map((f) => f.function.arguments as string);
    expect(argPieces.length).toBeGreaterThanOrEqual(3);
    expect(fragments.slice(1).every((f) => f.index === 0 && f.id === undefined)).toBe(true);
    expect(JSON.parse(argPieces.join(""))).toEqual({ city: "Paris" });
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe("tool_calls");

    const custom = await stream({
      model: "m",
      messages,
      tools: [weatherTool],
      mock: { tool_call: { name: "lookup", arguments: { city: "Berlin", days: 3 } } },
    });
    const customFragments = custom.chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(customFragments[0].function.name).toBe("lookup");
    const args = customFragments.map((f) => f.function.arguments).join("");
    expect(JSON.parse(args)).toEqual({ city: "Berlin", days: 3 });
  });

  it("streams parseable JSON in json mode", async () => {
    const { text } = await stream({ model: "m", messages: hello, response_format: { type: "json_object" } });
    expect(JSON.parse(text)).toEqual({ answer: expect.stringMatching(/^lorem ipsum/) });
  });

  it("drops the connection after drop_after content chunks without finish or [DONE]", async () => {
    const res = await post({ model: "m", messages: hello, stream: true, mock: { drop_after: 3 } });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = "";
    let failed = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += decoder.decode(value, { stream: true });
      }
    } catch {
      failed = true;
    }
    expect(failed).toBe(true);
    const events = sseData(received);
    expect(events).not.toContain("[DONE]");
    const chunks = events as Json[];
    expect(chunks.filter((c) => c.choices[0]?.delta?.content)).toHaveLength(3);
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);
    expect(mock.requests[0]).toMatchObject({ dropped: true, aborted: false, completed: false });
  });

  it("delays the first byte by ttft_ms", async () => {
    const t0 = performance.now();
    const res = await post({ model: "m", messages: hello, stream: true, mock: { ttft_ms: 120 } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
    await res.text();
  });
});

describe("mock upstream: errors", () => {
  it("injects a status with Retry-After and an OpenAI error body", async () => {
    const res = await post({ model: "m", messages: hello, mock: { status: 503, retry_after: 7 } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toEqual({
      error: { message: expect.any(String), type: "server_error", param: null, code: "server_error" },
    });

    const limited = await post({ model: "m", messages: hello }, { "x-mock-status": "429" });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as Json).error.type).toBe("rate_limit_error");
  });

  it("sends a raw error_body", async () => {
    const res = await post({
      model: "m",
      messages: hello,
      mock: { status: 502, error_body: "<html>bad gateway" },
    });
    expect(res.status).toBe(502);
    expect(await res.text()).toBe("<html>bad gateway");
  });

  it("rejects malformed JSON with 400", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toMatchObject({ type: "invalid_request_error", param: null });
    expect(mock.requests[0]?.body).toBeUndefined();
  });

  it("rejects invalid and unknown controls with a 400 naming the control", async () => {
    const bad = await post({ model: "m", messages: hello, mock: { ttft_ms: "soon" } });
    expect(bad.status).toBe(400);
    const err = ((await bad.json()) as Json).error;
    expect(err.param).toBe("mock.ttft_ms");
    expect(err.message).toContain("ttft_ms");

    const unknown = await post({ model: "m", messages: hello }, { "x-mock-tokenz": "3" });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Json).error.param).toBe("mock.tokenz");
  });

  it("returns OpenAI-shaped 404s for unknown routes", async () => {
    const res = await fetch(`${mock.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).error.type).toBe("not_found_error");
  });
});

describe("mock upstream: other routes and recording", () => {
  it("lists models and reports health", async () => {
    const models = (await (await fetch(`${mock.url}/v1/models`)).json()) as Json;
    expect(models.object).toBe("list");
    expect(models.data.map((m: Json) => m.id)).toEqual(["mock-small", "mock-large"]);
    expect(models.data[0]).toMatchObject({ object: "model", owned_by: "mock", created: expect.any(Number) });
    const health = await fetch(`${mock.url}/health`);
    expect(await health.json()).toEqual({ status: "ok" });
  });

  it("records requests", async () => {
    await (await post({ model: "m", messages: hello }, { "x-trace": "abc" })).text();
    const rec = mock.requests[0];
    expect(rec).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      body: { model: "m", messages: hello },
      completed: true,
      aborted: false,
    });
    expect(rec?.headers["x-trace"]).toBe("abc");
    expect(rec?.receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it("detects a client abort mid-stream", async () => {
    const controller = new AbortController();
    const res = await post(
      { model: "m", messages: hello, stream: true, mock: { itl_ms: 50, tokens: 100 } },
      {},
      controller.signal,
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    const aborted = await mock.waitForAbort(2000);
    expect(aborted.aborted).toBe(true);
    expect(aborted.completed).toBe(false);
    expect(aborted.body).toMatchObject({ mock: { itl_ms: 50 } });
    await expect(mock.waitForAbort(50)).rejects.toThrow(/no aborted request/);
  });

  it("does not record when record is false and closes quickly with open streams", async () => {
    const quiet = await startMockUpstream({ record: false, tokens: 2, itlMs: 1000 });
    const res = await fetch(`${quiet.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: hello, stream: true }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(quiet.requests).toHaveLength(0);
    const t0 = performance.now();
    await quiet.close();
    expect(performance.now() - t0).toBeLessThan(500);
    await expect(reader.read()).rejects.toThrow();
  });
});

/** What a raw TCP client got for one request: every byte, and how the connection ended. */
interface RawExchange {
  received: string;
  /** The socket's error code (ECONNRESET for a reset), or undefined when it ended with a FIN. */
  error: string | undefined;
}

/** POSTs `body` over a bare socket and reads until the mock closes the connection. */
function rawPost(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const json = JSON.stringify(body);
  const head = [
    "POST /v1/chat/completions HTTP/1.1",
    `host: ${hostname}:${port}`,
    "content-type: application/json",
    `content-length: ${Buffer.byteLength(json)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join("\r\n");
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = "";
    let error: string | undefined;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      error = err.code;
    });
    socket.on("close", () => resolve({ received, error }));
    socket.write(`${head}\r\n\r\n${json}`);
  });
}

/** The cause's code of a failed fetch (ECONNRESET, UND_ERR_SOCKET, ...). */
async function fetchFailure(response: Promise<Response>): Promise<string | undefined> {
  const failure = await response.then(
    async (res) => {
      await res.text();
      return undefined;
    },
    (error: Error) => error,
  );
  expect(failure).toBeInstanceOf(Error);
  return ((failure as Error).cause as NodeJS.ErrnoException | undefined)?.code;
}

describe("mock upstream: server-level behaviour", () => {
  it("applies to every request until changed, and a request's own controls win field by field", async () => {
    mock.setBehaviour({ status: 503, retryAfter: 2 });
    const failed = await post({ model: "m", messages: hello });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("2");
    expect(((await failed.json()) as Json).error.type).toBe("server_error");

    const limited = await post({ model: "m", messages: hello }, { "x-mock-status": "429" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    await limited.text();

    // Other wire formats fail the same way, each in its own error shape.
    const anthropic = await fetch(`${mock.url}/v1/messages`, {
      method: "POST",
      body: JSON.stringify({ model: "m", max_tokens: 10, messages: hello }),
    });
    expect(anthropic.status).toBe(503);
    expect(((await anthropic.json()) as Json).type).toBe("error");
    const embeddings = await fetch(`${mock.url}/v1/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "m", input: "x" }),
    });
    expect(embeddings.status).toBe(503);
    await embeddings.text();

    mock.setBehaviour({ tokens: 3 });
    const short = (await (await post({ model: "m", messages: hello })).json()) as Json;
    expect(short.choices[0].message.content).toBe("lorem ipsum dolor");
    const own = (await (await post({ model: "m", messages: hello, mock: { tokens: 2 } })).json()) as Json;
    expect(own.choices[0].message.content).toBe("lorem ipsum");

    mock.setBehaviour(undefined);
    const healthy = (await (await post({ model: "m", messages: hello })).json()) as Json;
    expect(healthy.usage.completion_tokens).toBe(16);
  });

  it("makes one of two mocks fail while the other answers the same request", async () => {
    const other = await startMockUpstream();
    try {
      other.setBehaviour({ status: 500 });
      const body = JSON.stringify({ model: "m", messages: hello, mock: { tokens: 4 } });
      const init = { method: "POST", body };
      const [bad, good] = await Promise.all([
        fetch(`${other.url}/v1/chat/completions`, init),
        fetch(`${mock.url}/v1/chat/completions`, init),
      ]);
      expect(bad.status).toBe(500);
      expect(good.status).toBe(200);
      expect(((await good.json()) as Json).usage.completion_tokens).toBe(4);
      await bad.text();
    } finally {
      await other.close();
    }
  });

  it("delays the first byte and the gaps between chunks", async () => {
    mock.setBehaviour({ ttftMs: 150, itlMs: 40, tokens: 4 });
    const t0 = performance.now();
    const res = await post({ model: "m", messages: hello, stream: true });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(130);
    const events = sseData(await res.text());
    // Three gaps between four content chunks.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(130 + 3 * 35);
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("drops streams mid-way and unary answers before any byte", async () => {
    mock.setBehaviour({ dropAfter: 2 });
    const res = await post({ model: "m", messages: hello, stream: true });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(await fetchFailure(post({ model: "m", messages: hello }))).toBe("UND_ERR_SOCKET");
    expect(mock.requests.map((r) => r.dropped)).toEqual([true, true]);
  });

  it("refuses an invalid behaviour with a RangeError naming the control, and keeps the old one", async () => {
    mock.setBehaviour({ tokens: 2 });
    expect(() => mock.setBehaviour({ status: 200 })).toThrow(RangeError);
    expect(() => mock.setBehaviour({ ttftMs: 1.5 })).toThrow(/"ttft_ms"/);
    const body = (await (await post({ model: "m", messages: hello })).json()) as Json;
    expect(body.usage.completion_tokens).toBe(2);
    await expect(startMockUpstream({ behaviour: { retryAfter: -1 } })).rejects.toThrow(/"retry_after"/);
  });

  it("starts from the behaviour in its options and returns to it on reset", async () => {
    const failing = await startMockUpstream({ behaviour: { status: 502 } });
    try {
      const send = () =>
        fetch(`${failing.url}/v1/chat/completions`, {
          method: "POST",
          body: JSON.stringify({ model: "m", messages: hello }),
        });
      expect((await send()).status).toBe(502);
      failing.setBehaviour({ tokens: 1 });
      expect((await send()).status).toBe(200);
      failing.reset();
      expect((await send()).status).toBe(502);
      failing.setBehaviour({ tokens: 1 });
      failing.setBehaviour(undefined);
      expect((await send()).status).toBe(502);
    } finally {
      await failing.close();
    }
  });
});

describe("mock upstream: connection faults", () => {
  it("resets the connection before any byte with x-mock-reset, after ttft_ms", async () => {
    const t0 = performance.now();
    expect(
      await fetchFailure(
        post({ model: "m", messages: hello }, { "x-mock-reset": "true", "x-mock-ttft-ms": "80" }),
      ),
    ).toBe("ECONNRESET");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(70);
    const raw = await rawPost(mock.url, { model: "m", messages: hello, stream: true, mock: { reset: true } });
    expect(raw).toEqual({ received: "", error: "ECONNRESET" });
    expect(mock.requests.map((r) => ({ dropped: r.dropped, aborted: r.aborted }))).toEqual([
      { dropped: true, aborted: false },
      { dropped: true, aborted: false },
    ]);
  });

  it("resets every connection with a reset behaviour, unless a request says reset: false", async () => {
    mock.setBehaviour({ reset: true });
    expect(await fetchFailure(post({ model: "m", messages: hello, stream: true }))).toBe("ECONNRESET");
    const embed = fetch(`${mock.url}/v1/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "m", input: "x" }),
    });
    expect(await fetchFailure(embed)).toBe("ECONNRESET");
    const spared = await post({ model: "m", messages: hello }, { "x-mock-reset": "false" });
    expect(spared.status).toBe(200);
    await spared.text();
  });

  it("drops a stream after its first bytes: headers and chunks, then a close with no end of the body", async () => {
    const raw = await rawPost(mock.url, {
      model: "m",
      messages: hello,
      stream: true,
      mock: { drop_after: 2 },
    });
    expect(raw.error).toBeUndefined();
    expect(raw.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw.received).toMatch(/transfer-encoding: chunked/i);
    expect(raw.received).toContain('"content":"lorem"');
    expect(raw.received).toContain('"content":" ipsum"');
    expect(raw.received).not.toContain("dolor");
    expect(raw.received).not.toContain('finish_reason":"stop');
    expect(raw.received).not.toContain("[DONE]");
    // A chunked body ends with a zero-length chunk; a dropped one never gets it.
    expect(raw.received.endsWith("0\r\n\r\n")).toBe(false);
  });

  it("drops a stream where its next chunk would have come, so the first ones arrive well before", async () => {
    const res = await post({
      model: "m",
      messages: hello,
      stream: true,
      mock: { drop_after: 1, itl_ms: 150 },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = "";
    while (!received.includes('"content":"lorem"')) {
      const { value } = await reader.read();
      received += decoder.decode(value, { stream: true });
    }
    const firstChunkAt = performance.now();
    await expect(reader.read()).rejects.toThrow();
    expect(performance.now() - firstChunkAt).toBeGreaterThanOrEqual(120);
  });
});

describe("mock upstream: concurrency observed", () => {
  it("counts the requests being answered and the most at once, not GETs; reset restarts the high-water mark", async () => {
    // A dropped connection closes a moment after its client has seen the drop.
    await expect.poll(() => mock.active, { interval: 5 }).toBe(0);
    mock.reset();
    expect(mock.maxActive).toBe(0);
    await (await fetch(`${mock.url}/v1/models`)).text();
    await (await fetch(`${mock.url}/health`)).text();
    expect(mock.maxActive).toBe(0);
    const slow = { model: "m", messages: hello, mock: { ttft_ms: 200 } };
    const three = [post(slow), post(slow), post({ ...slow, stream: true })];
    await expect.poll(() => mock.active, { interval: 5 }).toBe(3);
    for (const res of await Promise.all(three)) await res.text();
    await expect.poll(() => mock.active, { interval: 5 }).toBe(0);
    expect(mock.maxActive).toBe(3);

    const controller = new AbortController();
    const held = post(slow, {}, controller.signal).catch(() => undefined);
    await expect.poll(() => mock.active, { interval: 5 }).toBe(1);
    mock.reset();
    expect(mock.maxActive).toBe(1);
    controller.abort();
    await held;
    await expect.poll(() => mock.active, { interval: 5 }).toBe(0);
    expect(mock.maxActive).toBe(1);
  });
});
