import { type ClientHttp2Session, connect } from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatService, CompleteRequestSchema, CompleteResponseSchema, Role } from "../gen/llmgw/v1/chat_pb.js";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Binary gRPC over HTTP/2 at the wire level, frame by frame: the gateway serves it without
 * connect-node's universal handler, so these pin down that it still answers exactly as gRPC (and
 * Connect) say, for well-formed and malformed envelopes, and that what it does not take (a
 * compressed request) still reaches Connect.
 */

const chat = {
  model: "mock-small",
  messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: "hi" } }] }],
};
const message = toBinary(CompleteRequestSchema, create(CompleteRequestSchema, { chat }));

function envelope(bytes: Uint8Array, flags = 0): Buffer {
  const out = Buffer.alloc(5 + bytes.length);
  out[0] = flags;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

interface WireReply {
  status: number;
  headers: Record<string, unknown>;
  trailers: Record<string, unknown>;
  body: Buffer;
}

function call(session: ClientHttp2Session, body: Buffer, headers: Record<string, string> = {}) {
  return new Promise<WireReply>((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": "/llmgw.v1.ChatService/Complete",
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    const reply: WireReply = { status: 0, headers: {}, trailers: {}, body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      reply.status = Number(h[":status"]);
      reply.headers = h;
    });
    stream.on("trailers", (t) => {
      reply.trailers = t;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve({ ...reply, body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    stream.end(body);
  });
}

describe("binary gRPC over h2c, frame by frame", () => {
  let gw: TestGateway;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    gw = await startTestGateway();
    session = connect(gw.url);
  });
  afterAll(async () => {
    session.close();
    await gw.close();
  });

  it("answers one message with gRPC headers, one response envelope and grpc-status 0 in trailers", async () => {
    const reply = await call(session, envelope(message), { "x-request-id": "wire-1" });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/grpc+proto");
    expect(reply.headers["x-request-id"]).toBe("wire-1");
    expect(reply.trailers["grpc-status"]).toBe("0");
    expect(reply.body[0]).toBe(0);
    expect(reply.body.readUInt32BE(1)).toBe(reply.body.length - 5);
    const response = fromBinary(CompleteResponseSchema, reply.body.subarray(5));
    expect(response.choices[0]?.message?.content[0]?.part.value).toBeTypeOf("string");
    expect(response.gateway?.requestId).toBe("wire-1");
  });

  it.each([
    ["no message at all", Buffer.alloc(0), Code.Unimplemented, /missing input message/],
    [
      "two messages",
      Buffer.concat([envelope(message), envelope(message)]),
      Code.Unimplemented,
      /extra input/,
    ],
    ["a truncated envelope", envelope(message).subarray(0, 12), Code.InvalidArgument, /incomplete envelope/],
    ["a compressed flag with no grpc-encoding", envelope(message, 1), Code.Internal, /compressed/],
    [
      "bytes that are not the message",
      envelope(Buffer.from([0xff, 0xff, 0xff])),
      // The caller's malformed message: InvalidArgument on both paths (connect-node itself says Internal).
      Code.InvalidArgument,
      /parse binary/,
    ],
  ])(
    "refuses %s with a gRPC status in trailers, never reaching the upstream",
    async (_, body, code, text) => {
      const before = gw.mock.requests.length;
      const reply = await call(session, body);
      expect(reply.status).toBe(200);
      expect(reply.trailers["grpc-status"]).toBe(String(code));
      expect(decodeURIComponent(String(reply.trailers["grpc-message"]))).toMatch(text);
      expect(gw.mock.requests.length).toBe(before);
    },
  );

  it("refuses a malformed grpc-timeout with InvalidArgument", async () => {
    const reply = await call(session, envelope(message), { "grpc-timeout": "soon" });
    expect(reply.trailers["grpc-status"]).toBe(String(Code.InvalidArgument));
    expect(decodeURIComponent(String(reply.trailers["grpc-message"]))).toMatch(/invalid grpc timeout/);
  });

  it("still serves a gzip-compressed request (through connect-node)", async () => {
    const transport = createGrpcTransport({ baseUrl: gw.url, sendCompression: compressionGzip });
    const res = await createClient(ChatService, transport).complete({ chat });
    expect(res.choices).toHaveLength(1);
  });
});
