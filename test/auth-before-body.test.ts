import { connect as connectH2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * A caller without a valid key is refused as soon as its headers are in, on every protocol: its body
 * is never waited for, so a slow body cannot hold a connection without a key (the body timeout, 30 s
 * by default, is not what ends it).
 */
describe("authentication before the body", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { keys: [{ name: "team", key: "sk-team-key-0001" }] } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it("gRPC over h2c: a call with a bad key and a body that never comes ends Unauthenticated at once", async () => {
    const session = connectH2(gw.url);
    try {
      const started = Date.now();
      const stream = session.request({
        ":method": "POST",
        ":path": "/llmgw.v1.ChatService/Complete",
        "content-type": "application/grpc",
        te: "trailers",
        authorization: "Bearer sk-wrong-key-0001",
      });
      stream.write(Buffer.from([0, 0, 0, 0x10, 0])); // the head of a 4 KiB message, and nothing more
      const status = await new Promise<string>((resolve, reject) => {
        stream.on("response", (headers) => {
          if (headers["grpc-status"] !== undefined) resolve(String(headers["grpc-status"]));
        });
        stream.on("trailers", (trailers) => resolve(String(trailers["grpc-status"])));
        stream.on("error", reject);
        stream.resume();
      });
      expect(status).toBe("16");
      expect(Date.now() - started).toBeLessThan(2_000);
      stream.close();
    } finally {
      session.destroy();
    }
  });

  it("Connect and REST over HTTP/1.1: a bad key with a body still on its way gets 401 at once", async () => {
    for (const path of ["/llmgw.v1.ChatService/Complete", "/v1/chat/completions"]) {
      const started = Date.now();
      const head = await new Promise<string>((resolve, reject) => {
        const socket = connectTcp(gw.port, "127.0.0.1", () => {
          socket.write(
            `POST ${path} HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n` +
              "authorization: Bearer sk-wrong-key-0001\r\ncontent-length: 100000\r\n\r\n{",
          );
        });
        let seen = "";
        socket.on("data", (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes("\r\n\r\n")) {
            resolve(seen.slice(0, seen.indexOf("\r\n")));
            socket.destroy();
          }
        });
        socket.on("error", reject);
      });
      expect(head, path).toBe("HTTP/1.1 401 Unauthorized");
      expect(Date.now() - started).toBeLessThan(2_000);
    }
  });
});
