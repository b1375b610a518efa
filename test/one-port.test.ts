import { connect as h2connect } from "node:http2";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

describe("one port for HTTP/1.1 and HTTP/2", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { server: { header_timeout_ms: 300 } } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("closes a connection that never says anything after the header timeout", async () => {
    const socket = connect(gw.port, "127.0.0.1");
    const started = Date.now();
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("recognises the HTTP/2 preface even when it arrives a few bytes at a time", async () => {
    const socket = connect(gw.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    socket.write(preface.subarray(0, 5));
    await new Promise((resolve) => setTimeout(resolve, 30));
    socket.write(preface.subarray(5, 12));
    await new Promise((resolve) => setTimeout(resolve, 30));
    socket.write(preface.subarray(12));
    // An empty SETTINGS frame: the server answers with its own SETTINGS (type 0x4).
    socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
    const reply = await new Promise<Buffer>((resolve) => socket.once("data", resolve));
    expect(reply[3]).toBe(4);
    socket.destroy();
  });

  it("serves REST over HTTP/2 prior knowledge on the same port as HTTP/1.1", async () => {
    const session = h2connect(gw.url);
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":path": "/health", ":method": "GET" });
      let text = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        text += chunk;
      });
      stream.on("end", () => resolve(text));
      stream.on("error", reject);
    });
    session.close();
    expect(JSON.parse(body)).toEqual({ status: "ok" });
    const h1 = await fetch(`${gw.url}/health`);
    expect(await h1.json()).toEqual({ status: "ok" });
  });

  it("answers a CORS preflight for gRPC-Web with connect's headers, auth and trailers exposed", async () => {
    const response = await fetch(`${gw.url}/llmgw.v1.ChatService/Complete`, {
      method: "OPTIONS",
      headers: {
        origin: "http://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-grpc-web,authorization",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const allowed = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    expect(allowed).toContain("x-grpc-web");
    expect(allowed).toContain("authorization");
    expect(response.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("grpc-status");
  });
});
