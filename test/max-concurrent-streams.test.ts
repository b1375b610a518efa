import { connect as h2connect } from "node:http2";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frame, headerBlock } from "./harness/h2-frames.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * `server.max_concurrent_streams` caps the streams one HTTP/2 connection may
 * have open at once, so one socket cannot open a thousand upstream calls. The
 * server advertises it in SETTINGS, and a client that ignores it has the extra
 * streams refused before any of them reaches a handler or the upstream.
 */

const LIMIT = 3;
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ config: { server: { max_concurrent_streams: LIMIT } } });
});
afterAll(async () => {
  await gw.close();
});

describe("concurrent streams per HTTP/2 connection", () => {
  it("advertises the configured limit in the server's SETTINGS", async () => {
    const session = h2connect(gw.url);
    const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) =>
      session.once("remoteSettings", resolve),
    );
    session.destroy();
    expect(settings.maxConcurrentStreams).toBe(LIMIT);
  });

  it("refuses streams over the limit with REFUSED_STREAM and never forwards them upstream", async () => {
    // Streams opened before the client acknowledges the server's SETTINGS, as a client racing them does.
    const frames = await flood(false, (seen) => seen.filter((f) => f.type === 0x3).length >= 2);
    const resets = frames.filter((f) => f.type === 0x3).map((f) => [f.streamId, f.payload.readUInt32BE(0)]);
    // REFUSED_STREAM is 0x7 (RFC 9113 §7); the last two streams are the ones over the limit.
    expect(resets).toEqual([
      [7, 0x7],
      [9, 0x7],
    ]);
    await expectUpstreamCalls(LIMIT);
  });

  it("ends the connection of a client that knowingly exceeds the limit, forwarding no more than it", async () => {
    const frames = await flood(true, (seen) => seen.some((f) => f.type === 0x7));
    const goaway = frames.find((f) => f.type === 0x7);
    // GOAWAY names the last stream it processed (5) and PROTOCOL_ERROR (0x1).
    expect(goaway?.payload.readUInt32BE(0)).toBe(5);
    expect(goaway?.payload.readUInt32BE(4)).toBe(0x1);
    expect(frames.some((f) => f.type === 0x3 && f.streamId > 5)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gw.mock.requests.length).toBeLessThanOrEqual(LIMIT);
  });
});

interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/**
 * Opens a raw h2c connection and five slow chats at once on it (streams 1 to
 * 9), after acknowledging the server's SETTINGS or before; collects the
 * frames the server sends until `done` says enough.
 */
async function flood(ackFirst: boolean, done: (seen: Frame[]) => boolean): Promise<Frame[]> {
  gw.mock.reset();
  const socket = connect(gw.port, "127.0.0.1");
  socket.on("error", () => {});
  const seen: Frame[] = [];
  let pending = Buffer.alloc(0);
  let opened = false;
  const body = Buffer.from(
    JSON.stringify({
      model: "mock-small",
      messages: [{ role: "user", content: "hi" }],
      mock: { ttft_ms: 3000 },
    }),
  );
  const block = headerBlock([
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", "127.0.0.1"],
    [":path", "/v1/chat/completions"],
    ["content-type", "application/json"],
  ]);
  const open = () => {
    opened = true;
    const frames: Buffer[] = [];
    for (let id = 1; id <= 9; id += 2) frames.push(frame(0x1, 0x4, id, block), frame(0x0, 0x1, id, body));
    socket.write(Buffer.concat(frames));
  };
  const finished = new Promise<void>((resolve, reject) => {
    setTimeout(
      () => reject(new Error(`not done; frames seen: ${JSON.stringify(seen.map((f) => f.type))}`)),
      3000,
    );
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const length = pending.readUIntBE(0, 3);
        const f: Frame = {
          type: pending[3] as number,
          flags: pending[4] as number,
          streamId: pending.readUInt32BE(5) & 0x7fffffff,
          payload: pending.subarray(9, 9 + length),
        };
        pending = pending.subarray(9 + length);
        seen.push(f);
        if (ackFirst && f.type === 0x4 && (f.flags & 0x1) === 0 && !opened) {
          socket.write(frame(0x4, 0x1, 0)); // SETTINGS ACK: the limit is now in force
          open();
        }
        if (done(seen)) resolve();
      }
    });
  });
  socket.write(Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
  socket.write(frame(0x4, 0, 0));
  if (!ackFirst) open();
  try {
    await finished;
    return seen;
  } finally {
    setTimeout(() => socket.destroy(), 300).unref();
  }
}

/** Waits for `n` upstream calls, then makes sure no more arrive. */
async function expectUpstreamCalls(n: number): Promise<void> {
  const deadline = Date.now() + 2000;
  while (gw.mock.requests.length < n && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(gw.mock.requests.length).toBe(n);
}
