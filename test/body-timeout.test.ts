import { type ClientHttp2Stream, connect as h2connect, type IncomingHttpHeaders } from "node:http2";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * `server.body_timeout_ms` bounds how long any request may take to send its
 * body, on every route and protocol of the port: a client that declares a
 * large body and then sends a byte now and then must not hold a connection or
 * stream for as long as it likes. The caller hears why, in a format it reads.
 */

const BODY_TIMEOUT_MS = 300;
/** Well past the timeout, for a loaded machine; a connection held by the sender would stay open for the test's 5 s. */
const MARGIN_MS = 1500;
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ config: { server: { body_timeout_ms: BODY_TIMEOUT_MS } } });
});
afterAll(async () => {
  await gw.close();
});

/** Writes a byte every 50 ms with `write` until stopped; returns the stop function. */
function dribble(write: () => void): () => void {
  const timer = setInterval(write, 50);
  const stop = () => clearInterval(timer);
  setTimeout(stop, 5000).unref();
  return stop;
}

async function rawSocket(): Promise<Socket> {
  const socket = connect(gw.port, "127.0.0.1");
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return socket;
}

/** Sends a request head and the start of its body over HTTP/1.1; resolves with the reply and how long the socket stayed open. */
async function slowH1(path: string, contentType: string): Promise<{ reply: string; elapsed: number }> {
  const socket = await rawSocket();
  let reply = "";
  socket.on("data", (chunk: Buffer) => {
    reply += chunk.toString("utf8");
  });
  const started = Date.now();
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: gateway\r\ncontent-type: ${contentType}\r\ncontent-length: 100000\r\n\r\n{`,
  );
  const stop = dribble(() => {
    if (!socket.destroyed) socket.write(" ");
  });
  await new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    setTimeout(() => socket.destroy(), 5000).unref();
  });
  stop();
  return { reply, elapsed: Date.now() - started };
}

/** Opens an h2c stream, sends `first`, then dribbles; resolves with its response headers, body and lifetime. */
async function slowH2(
  headers: Record<string, string>,
  first: Buffer,
): Promise<{ headers: IncomingHttpHeaders; body: string; elapsed: number }> {
  const session = h2connect(gw.url);
  session.on("error", () => {});
  const started = Date.now();
  const stream: ClientHttp2Stream = session.request({ ":method": "POST", ...headers });
  stream.on("error", () => {});
  stream.write(first);
  const stop = dribble(() => {
    if (!stream.destroyed && stream.writable) stream.write(Buffer.from([0x20]));
  });
  let body = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    body += chunk;
  });
  const [response] = await Promise.all([
    new Promise<IncomingHttpHeaders>((resolve) => {
      stream.once("response", resolve);
      stream.once("close", () => resolve({}));
    }),
    // Closed by the gateway: the stream's reset ('aborted') is the close. The stream's own 'close'
    // can wait much longer for its writable side when a dribbled write was still queued.
    new Promise<void>((resolve) => {
      stream.once("close", () => resolve());
      stream.once("aborted", () => resolve());
      setTimeout(() => session.destroy(), 5000).unref();
    }),
  ]);
  stop();
  session.destroy();
  return { headers: response, body, elapsed: Date.now() - started };
}

describe("a request body that arrives too slowly", () => {
  it("gets a 408 and a closed connection on an HTTP/1.1 REST route", async () => {
    const { reply, elapsed } = await slowH1("/v1/chat/completions", "application/json");
    expect(elapsed).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(BODY_TIMEOUT_MS + MARGIN_MS);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4));
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "request_timeout" });
    expect(body.error.message).toMatch(/body/);
  });

  it("gets the error in the shape of the surface the path belongs to: Anthropic, Gemini, Ollama", async () => {
    const bodyOf = (reply: string) => {
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      return JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4));
    };
    const [anthropic, gemini, ollama] = await Promise.all([
      slowH1("/v1/messages", "application/json"),
      slowH1("/v1beta/models/m:generateContent", "application/json"),
      slowH1("/api/chat", "application/json"),
    ]);
    expect(bodyOf(anthropic.reply)).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error" },
    });
    expect(bodyOf(gemini.reply)).toMatchObject({ error: { code: 408, status: "DEADLINE_EXCEEDED" } });
    expect(bodyOf(ollama.reply)).toEqual({ error: expect.stringMatching(/body/) });
  });

  it("gets a Connect deadline_exceeded error, with its ErrorDetail, and a closed connection on a Connect route over HTTP/1.1", async () => {
    const { reply, elapsed } = await slowH1("/llmgw.v1.ChatService/Complete", "application/json");
    expect(elapsed).toBeLessThan(BODY_TIMEOUT_MS + MARGIN_MS);
    // Connect's HTTP status for deadline_exceeded; its clients read the code from the body.
    expect(reply).toMatch(/^HTTP\/1\.1 504 /);
    const body = JSON.parse(reply.slice(reply.indexOf("\r\n\r\n") + 4));
    expect(body).toMatchObject({ code: "deadline_exceeded" });
    expect(body.message).toMatch(/body/);
    expect(body.details?.[0]?.type).toBe("llmgw.v1.ErrorDetail");
  });

  it("gets a trailers-only gRPC-Web status on a gRPC-Web route over HTTP/1.1", async () => {
    const socket = await rawSocket();
    let reply = "";
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
    });
    socket.write(
      "POST /llmgw.v1.ChatService/Complete HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: 1005\r\n\r\n",
    );
    socket.write(Buffer.from([0, 0, 0, 0x03, 0xe8, 0x0a])); // a 1000-byte message, of which one byte comes
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      setTimeout(() => socket.destroy(), 5000).unref();
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).toMatch(/\r\ngrpc-status: 4\r\n/i);
    expect(reply).toMatch(/\r\ngrpc-status-details-bin: /i);
  });

  it("gets a 408 and a closed stream on a REST route over h2c", async () => {
    const { headers, body, elapsed } = await slowH2(
      { ":path": "/v1/chat/completions", "content-type": "application/json", "content-length": "100000" },
      Buffer.from("{"),
    );
    expect(elapsed).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(BODY_TIMEOUT_MS + MARGIN_MS);
    expect(headers[":status"]).toBe(408);
    expect(JSON.parse(body).error.code).toBe("request_timeout");
  });

  it("gets DEADLINE_EXCEEDED and a closed stream for a gRPC call that sends half a message", async () => {
    // A gRPC length prefix announcing a 1000-byte message, then three bytes of it.
    const half = Buffer.from([0, 0, 0, 0x03, 0xe8, 0x0a, 0x01, 0x41]);
    const { headers, elapsed } = await slowH2(
      { ":path": "/llmgw.v1.ChatService/Complete", "content-type": "application/grpc", te: "trailers" },
      half,
    );
    expect(elapsed).toBeLessThan(BODY_TIMEOUT_MS + MARGIN_MS);
    expect(headers[":status"]).toBe(200);
    expect(headers["grpc-status"]).toBe("4");
    expect(decodeURIComponent(String(headers["grpc-message"]))).toMatch(/body/);
  });

  it("leaves a body that arrives in time alone", async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
  });
});
