import { mkdtempSync } from "node:fs";
import { connect as connectH2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MockUpstream, startMockUpstream } from "../mock/index.ts";
import { startGateway } from "../server/app.ts";
import { parseConfig } from "../server/config/load-config.ts";
import { requestCount } from "./harness/observe.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/** A request whose body never arrives in full is still accounted: once, with what its caller was told. */
describe("unfinished request bodies are accounted", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { server: { body_timeout_ms: 300 } } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("as request_timeout when the body deadline passes, over HTTP/1.1, h2c and gRPC", async () => {
    // HTTP/1.1: a head, then a body that trickles.
    const socket = connectTcp(gw.port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      "POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{",
    );
    const trickle = setInterval(() => !socket.destroyed && socket.write(" "), 50);
    await new Promise((resolve) => socket.once("close", resolve));
    clearInterval(trickle);

    const session = connectH2(gw.url);
    session.on("error", () => {});
    const closed = (stream: ReturnType<typeof session.request>) =>
      new Promise((resolve) => {
        stream.on("error", () => {});
        stream.resume();
        stream.once("close", resolve);
      });
    const rest = session.request({
      ":method": "POST",
      ":path": "/v1/chat/completions",
      "content-type": "application/json",
      "content-length": "1000",
    });
    rest.write("{");
    const grpc = session.request({
      ":method": "POST",
      ":path": "/llmgw.v1.ChatService/Complete",
      "content-type": "application/grpc",
      te: "trailers",
    });
    grpc.write(Buffer.from([0, 0, 0, 0x03, 0xe8, 0x0a]));
    await Promise.all([closed(rest), closed(grpc)]);
    session.destroy();

    await expect.poll(() => requestCount(gw, "openai", "request_timeout")).toBe(2);
    await expect.poll(() => requestCount(gw, "rpc", "request_timeout")).toBe(1);
  });
});

describe("bodies still arriving when the gateway shuts down", () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(async () => {
    await mock.close();
  });

  it("are accounted as unavailable before the ledger closes, on every surface", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "llmgw-shutdown-")), "ledger.db");
    const config = parseConfig({
      server: { port: 0, body_timeout_ms: 60_000 },
      providers: [{ name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] }],
      usage: { path },
    });
    const running = await startGateway(config, pino({ level: "silent" }));
    const session = connectH2(running.url);
    session.on("error", () => {});
    const half = (headers: Record<string, string>, bytes: Buffer | string) => {
      const stream = session.request({ ":method": "POST", ...headers });
      stream.on("error", () => {});
      stream.write(bytes);
    };
    half(
      { ":path": "/llmgw.v1.ChatService/Complete", "content-type": "application/grpc", te: "trailers" },
      Buffer.from([0, 0, 0, 0x03, 0xe8, 0x0a]),
    );
    half(
      {
        ":path": "/llmgw.v1.ChatService/Complete",
        "content-type": "application/json",
        "content-length": "1000",
      },
      "{",
    );
    half(
      { ":path": "/v1/chat/completions", "content-type": "application/json", "content-length": "1000" },
      "{",
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await running.close(200);
    session.destroy();
    const rows = new DatabaseSync(path).prepare("SELECT surface, status FROM usage ORDER BY surface").all();
    expect(rows).toEqual([
      { surface: "openai", status: "unavailable" },
      { surface: "rpc", status: "unavailable" },
      { surface: "rpc", status: "unavailable" },
    ]);
  });
});
