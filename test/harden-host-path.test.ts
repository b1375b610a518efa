import { connect as h2connect } from "node:http2";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RPC_METHODS } from "./fuzz/rpc-methods.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Routing never depends on the Host header, an absolute-form target,
 * duplicated slashes, dot segments, percent-encoded characters or letter
 * case. Every variant of every protected route, sent without a key over
 * HTTP/1.1 (raw bytes, so nothing normalises the target first) and HTTP/2,
 * is a 401 or a 404, and nothing reaches the upstream.
 */

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    config: (mockUrl) => ({
      providers: [
        { name: "mock", base_url: `${mockUrl}/v1`, models: ["mock-small"], discover: false },
        {
          name: "claude",
          type: "anthropic",
          base_url: `${mockUrl}/v1`,
          discover: false,
          models: ["mock-small"],
        },
      ],
      keys: [{ name: "app", key: "sk-host-path-key" }],
      audit: { enabled: true, mode: "metadata-only" },
      passthrough: {
        routes: [
          { api: "anthropic", provider: "claude", allow_private: true },
          { api: "openai", allow_private: true },
        ],
      },
    }),
  });
});
afterAll(async () => {
  await gw?.close();
});

/** Every REST route that needs a key: method and canonical path. */
const REST_ROUTES: Array<[string, string]> = [
  ["POST", "/v1/chat/completions"],
  ["POST", "/v1/completions"],
  ["POST", "/v1/embeddings"],
  ["POST", "/v1/responses"],
  ["GET", "/v1/responses/resp_123"],
  ["DELETE", "/v1/responses/resp_123"],
  ["POST", "/v1/messages"],
  ["POST", "/v1/messages/count_tokens"],
  ["GET", "/v1/models"],
  ["GET", "/v1/models/mock:mock-small"],
  ["GET", "/v1/usage"],
  ["GET", "/v1/audit/export"],
  ["GET", "/v1beta/models"],
  ["POST", "/v1beta/models/mock-small:generateContent"],
  ["POST", "/v1beta/models/mock-small:streamGenerateContent"],
  ["POST", "/v1beta/models/mock-small:countTokens"],
  ["POST", "/v1beta/models/mock-small:embedContent"],
  ["POST", "/api/chat"],
  ["POST", "/api/generate"],
  ["POST", "/api/embed"],
  ["POST", "/api/embeddings"],
  ["POST", "/api/show"],
  ["GET", "/api/tags"],
  ["GET", "/api/ps"],
  ["POST", "/anthropic/v1/messages"],
  ["POST", "/openai/v1/chat/completions"],
];

/** A body every surface would serve, were it authorised. */
const BODY = JSON.stringify({
  model: "mock:mock-small",
  messages: [{ role: "user", content: "hi" }],
  input: "hi",
  prompt: "hi",
  max_tokens: 5,
  contents: [{ parts: [{ text: "hi" }] }],
});

interface Variant {
  readonly name: string;
  readonly target: string;
  /** The Host header (HTTP/1.1) or :authority (HTTP/2); undefined sends none. */
  readonly host?: string | undefined;
}

/** Percent-encodes the last letter of a path. */
function encodeLastLetter(path: string): string {
  const i = path.search(/[a-zA-Z](?=[^a-zA-Z]*$)/);
  return `${path.slice(0, i)}%${path.charCodeAt(i).toString(16).toUpperCase()}${path.slice(i + 1)}`;
}

function variants(path: string): Variant[] {
  const [, first = "", rest = ""] = /^\/([^/]+)(.*)$/.exec(path) ?? [];
  return [
    { name: "as is", target: path, host: "gateway" },
    { name: "Host localhost", target: path, host: "localhost" },
    { name: "Host of an internal admin name", target: path, host: "admin.internal:443" },
    { name: "Host with userinfo", target: path, host: "user:pass@127.0.0.1" },
    { name: "no Host", target: path },
    { name: "absolute-form", target: `http://localhost${path}`, host: "localhost" },
    { name: "absolute-form, other host", target: `http://evil.example${path}`, host: "gateway" },
    { name: "leading //", target: `/${path}`, host: "gateway" },
    { name: "all slashes doubled", target: path.replaceAll("/", "//"), host: "gateway" },
    { name: "/./ segment", target: `/${first}/.${rest}`, host: "gateway" },
    { name: "/x/../ prefix", target: `/x/..${path}`, host: "gateway" },
    { name: "%2e%2e prefix", target: `/x/%2e%2e${path}`, host: "gateway" },
    { name: "trailing /.", target: `${path}/.`, host: "gateway" },
    { name: "trailing /", target: `${path}/`, host: "gateway" },
    { name: "percent-encoded letter", target: encodeLastLetter(path), host: "gateway" },
    { name: "percent-encoded slash", target: `/${first}%2F${rest.slice(1)}`, host: "gateway" },
    { name: "upper case", target: path.toUpperCase(), host: "gateway" },
    { name: "first segment capitalised", target: `/${first.toUpperCase()}${rest}`, host: "gateway" },
    { name: ";params", target: `${path};x=1`, host: "gateway" },
    { name: "query", target: `${path}?key=sk-host-path-key-not-this`, host: "gateway" },
    { name: "backslashes", target: path.replaceAll("/", "\\"), host: "gateway" },
  ];
}

/**
 * What the HTTP layer itself answers, below every route: Node's parser refuses a malformed
 * request-line (a backslash) with a bare 400, and nghttp2 resets an HTTP/2 stream whose
 * `:path` or `:authority` is malformed (absolute-form, userinfo). Neither reaches a handler.
 */
const PARSER_REFUSED = -400;
const STREAM_RESET = -1;

/** Sends one HTTP/1.1 request as raw bytes and returns the status, or PARSER_REFUSED. */
function sendRaw(
  method: string,
  variant: Variant,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, "127.0.0.1");
    let head = `${method} ${variant.target} HTTP/1.1\r\n`;
    if (variant.host !== undefined) head += `host: ${variant.host}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    head += `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
    socket.write(head + body);
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
    });
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      // A Connect stream answers 200 and says how it ended in its last message.
      if (status === 200 && /^content-type: application\/connect\+json/im.test(text))
        return resolve(text.includes('"code":"unauthenticated"') ? 401 : 2200);
      resolve(
        status === 400 && text.startsWith("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
          ? PARSER_REFUSED
          : status,
      );
    });
    socket.on("error", reject);
  });
}

/** Sends one HTTP/2 request; a gRPC status maps to 401 / 404, a stream reset to STREAM_RESET. */
function sendH2(method: string, variant: Variant, headers: Record<string, string>, body: Buffer | string) {
  return new Promise<number>((resolve, reject) => {
    const session = h2connect(gw.url);
    session.on("error", reject);
    const grpc = headers["content-type"] === "application/grpc";
    const stream = session.request({
      ":method": method,
      ":path": variant.target,
      ...(variant.host === undefined ? {} : { ":authority": variant.host }),
      ...headers,
    });
    let status = STREAM_RESET;
    const fromGrpc = (code: unknown) => (code === "16" ? 401 : code === "12" ? 404 : 1000 + Number(code));
    stream.on("response", (h) => {
      status = grpc && h["grpc-status"] !== undefined ? fromGrpc(h["grpc-status"]) : Number(h[":status"]);
      // A 200 without a status in its headers is a real answer: its trailers say how it ended.
      if (grpc && h["grpc-status"] === undefined && status === 200) status = 2200;
    });
    stream.on("trailers", (t) => {
      status = fromGrpc(t["grpc-status"]);
    });
    stream.on("error", () => {});
    stream.on("close", () => {
      session.destroy();
      resolve(status);
    });
    stream.resume();
    if (method === "GET" || method === "DELETE") stream.end();
    else stream.end(body);
  });
}

/** Connect's unary JSON, or its enveloped streaming JSON for a server-streaming method. */
function connectRequest(streaming: boolean): [Record<string, string>, string] {
  if (!streaming) return [{ "content-type": "application/json" }, "{}"];
  return [{ "content-type": "application/connect+json" }, `\0\0\0\0\x02{}`];
}

/**
 * 401 or 404, or the HTTP layer's own refusal. The pass-through routes check their raw targets
 * themselves (server/rest/passthrough/passthrough-paths.ts) and refuse a confusing one with a 400
 * invalid_request in their API's format, before auth: refused all the same, never forwarded.
 */
function refused(path: string, status: number, layer: number): boolean {
  if (status === 401 || status === 404 || status === layer) return true;
  return status === 400 && (path.startsWith("/anthropic/") || path.startsWith("/openai/"));
}

const GRPC_EMPTY = Buffer.from([0, 0, 0, 0, 0]);
const REST_HEADERS = { "content-type": "application/json", "anthropic-version": "2023-06-01" };

describe("host and path confusion", () => {
  it("refuses every variant of every protected REST route over HTTP/1.1 and HTTP/2 with 401 or 404", async () => {
    const served: string[] = [];
    for (const [method, path] of REST_ROUTES) {
      for (const variant of variants(path)) {
        const body = method === "POST" ? BODY : "";
        const h1 = await sendRaw(method, variant, REST_HEADERS, body);
        if (!refused(path, h1, PARSER_REFUSED))
          served.push(`h1 ${method} ${variant.target} (${variant.name}): ${h1}`);
        const h2 = await sendH2(method, variant, REST_HEADERS, body);
        if (!refused(path, h2, STREAM_RESET))
          served.push(`h2 ${method} ${variant.target} (${variant.name}): ${h2}`);
      }
    }
    expect(served).toEqual([]);
    expect(gw.mock.requests).toHaveLength(0);
  });

  it("refuses every variant of every RPC over gRPC (HTTP/2) and Connect (HTTP/1.1) with UNAUTHENTICATED or not found", async () => {
    const served: string[] = [];
    for (const { path, streaming } of RPC_METHODS) {
      for (const variant of variants(path)) {
        const grpc = await sendH2(
          "POST",
          variant,
          { "content-type": "application/grpc", te: "trailers" },
          GRPC_EMPTY,
        );
        if (grpc !== 401 && grpc !== 404 && grpc !== STREAM_RESET)
          served.push(`grpc ${variant.target} (${variant.name}): ${grpc}`);
        const connectJson = await sendRaw("POST", variant, ...connectRequest(streaming));
        if (connectJson !== 401 && connectJson !== 404 && connectJson !== PARSER_REFUSED)
          served.push(`connect ${variant.target} (${variant.name}): ${connectJson}`);
      }
    }
    expect(served).toEqual([]);
    expect(gw.mock.requests).toHaveLength(0);
  });
});

describe("an HTTP/2 request without :authority", () => {
  it("is answered or refused by the HTTP/2 layer (nghttp2 resets it), never left hanging, and the gateway keeps serving", async () => {
    const { frame, headerBlock, PREFACE } = await import("./harness/h2-frames.ts");
    const socket = connect(gw.port, "127.0.0.1");
    socket.on("error", () => {});
    const block = headerBlock([
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/llmgw.v1.ModelsService/ListModels"],
      ["content-type", "application/json"],
    ]);
    // HEADERS (END_HEADERS) then DATA "{}" (END_STREAM) on stream 1: Connect JSON with no authority at all.
    socket.write(
      Buffer.concat([
        PREFACE,
        frame(0x4, 0, 0),
        frame(0x1, 0x4, 1, block),
        frame(0x0, 0x1, 1, Buffer.from("{}")),
      ]),
    );
    const answered = await new Promise<boolean>((resolve) => {
      let seen = Buffer.alloc(0);
      const timer = setTimeout(() => resolve(false), 3000);
      socket.on("data", (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        // Walk the frames: a HEADERS (type 1) or RST_STREAM (type 3) frame on stream 1 ends it.
        for (let at = 0; at + 9 <= seen.length; at += 9 + seen.readUIntBE(at, 3)) {
          const type = seen[at + 3];
          if ((type === 0x1 || type === 0x3) && (seen.readUInt32BE(at + 5) & 0x7fffffff) === 1) {
            clearTimeout(timer);
            resolve(true);
            return;
          }
        }
      });
    });
    socket.destroy();
    expect(answered).toBe(true);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });
});
