import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * `server.header_timeout_ms` bounds how long a request may take to send its
 * head, on both protocols the port speaks. A client that trickles a head a
 * byte at a time must not hold a connection (and a file descriptor) for as
 * long as it likes.
 */

const HEADER_TIMEOUT_MS = 300;
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ config: { server: { header_timeout_ms: HEADER_TIMEOUT_MS } } });
});
afterAll(async () => {
  await gw.close();
});

async function open(): Promise<Socket> {
  const socket = connect(gw.port, "127.0.0.1");
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return socket;
}

/** Writes one byte of `text` every 50 ms until the socket closes; resolves with how long that took. */
function trickle(socket: Socket, text: string): Promise<number> {
  const started = Date.now();
  let i = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed && !socket.writableEnded) socket.write(text[i++ % text.length] as string);
  }, 50);
  return new Promise((resolve) => {
    socket.once("close", () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
    // A bound on the test, well past the margin asserted below.
    setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
    }, 5000).unref();
  });
}

describe("the header timeout on HTTP/1.1", () => {
  it("closes a connection whose request head arrives a byte at a time", async () => {
    const socket = await open();
    let reply = "";
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
    });
    socket.write("GET /health HTTP/1.1\r\nhost: gateway\r\n");
    const elapsed = await trickle(socket, "x-slow: abcdefghijklmnopqrstuvwxyz\r\n");
    expect(elapsed).toBeGreaterThanOrEqual(HEADER_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(HEADER_TIMEOUT_MS + 1200);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("times each request head on a keep-alive connection, not only the first", async () => {
    const socket = await open();
    let reply = "";
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1");
    });
    socket.write("GET /health HTTP/1.1\r\nhost: gateway\r\n\r\n");
    const deadline = Date.now() + 2000;
    while (!reply.includes('{"status":"ok"}') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    socket.write("GET /health HTTP/1.1\r\nhost: gateway\r\n");
    const elapsed = await trickle(socket, "x-slow: abcdefghijklmnopqrstuvwxyz\r\n");
    expect(elapsed).toBeLessThan(HEADER_TIMEOUT_MS + 1200);
  });
});

describe("the header timeout on HTTP/2", () => {
  it("closes an h2c connection that sends the preface but never a complete HEADERS frame", async () => {
    const socket = await open();
    socket.resume();
    socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])); // an empty SETTINGS frame
    // A HEADERS frame header announcing a 1000-byte block on stream 1 (END_HEADERS), then its
    // payload a byte at a time: the session sees traffic, but never a request.
    socket.write(Buffer.from([0, 0x03, 0xe8, 1, 0x04, 0, 0, 0, 1]));
    const elapsed = await trickle(socket, "\x00");
    expect(elapsed).toBeLessThan(HEADER_TIMEOUT_MS + 1200);
  });
});
