import { connect as h2connect } from "node:http2";
import { connect, type Socket } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frame, headerBlock, PREFACE } from "./harness/h2-frames.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Abuse against the real server: each attack runs while a normal caller keeps
 * being served, memory stays bounded, and the gateway answers normally after.
 * The gateway runs in this process, so its RSS is this process's RSS.
 */

const KEY = "sk-abuse-test-key-1";
const HEADER_TIMEOUT_MS = 400;
const BODY_TIMEOUT_MS = 600;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      keys: [{ name: "app", key: KEY }],
      server: { header_timeout_ms: HEADER_TIMEOUT_MS, body_timeout_ms: BODY_TIMEOUT_MS },
    },
  });
  client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  // Warm up (JIT, pools, the SDK) so the first attack's RSS is not the process's start-up.
  for (let i = 0; i < 50; i++) await normalChat();
});
afterAll(async () => {
  await gw?.close();
});

const MB = 1024 * 1024;

/** A normal chat, which must keep being answered whatever else is going on. */
async function normalChat(): Promise<string> {
  const completion = await client.chat.completions.create({
    model: "mock:mock-small",
    messages: [{ role: "user", content: "still there?" }],
  });
  return completion.choices[0]?.message.content ?? "";
}

/** Runs `attack`, serving normal chats all the while; returns the RSS growth across it. */
async function during(attack: () => Promise<void>): Promise<number> {
  global.gc?.();
  const before = process.memoryUsage.rss();
  let stop = false;
  let served = 0;
  const normal = (async () => {
    while (!stop) {
      expect(await normalChat()).not.toBe("");
      served++;
    }
  })();
  try {
    await attack();
  } finally {
    stop = true;
    await normal;
  }
  expect(served).toBeGreaterThan(0);
  expect(await normalChat()).not.toBe("");
  return process.memoryUsage.rss() - before;
}

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });
}

function closed(socket: Socket): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    if (socket.destroyed) resolve(0);
    socket.once("close", () => resolve(performance.now() - started));
  });
}

describe("abuse", () => {
  it("slowloris: heads and bodies trickled a byte at a time are cut off at their timeouts", async () => {
    const growth = await during(async () => {
      const heads = await Promise.all(Array.from({ length: 50 }, open));
      const bodies = await Promise.all(Array.from({ length: 50 }, open));
      for (const s of bodies)
        s.write(
          `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${KEY}\r\n` +
            "content-type: application/json\r\ncontent-length: 100000\r\n\r\n{",
        );
      const trickle = setInterval(() => {
        for (const s of heads) if (!s.destroyed) s.write("G");
        for (const s of bodies) if (!s.destroyed) s.write(" ");
      }, 50);
      const times = await Promise.all([...heads, ...bodies].map(closed));
      clearInterval(trickle);
      // Cut off, not held: generous, as a loaded 2-core machine schedules late.
      for (const ms of times) expect(ms).toBeLessThan(10_000);
    });
    expect(growth).toBeLessThan(96 * MB);
  });

  it("HTTP/2 rapid reset: 20,000 streams opened and reset at once cost no upstream calls", async () => {
    gw.mock.reset();
    const growth = await during(async () => {
      const socket = await open();
      socket.on("error", () => {});
      const block = headerBlock([
        [":method", "POST"],
        [":scheme", "http"],
        [":authority", "x"],
        [":path", "/v1/chat/completions"],
        ["authorization", `Bearer ${KEY}`],
        ["content-type", "application/json"],
      ]);
      const rst = Buffer.alloc(4);
      rst.writeUInt32BE(0x8); // CANCEL
      const frames: Buffer[] = [PREFACE, frame(0x4, 0, 0)];
      for (let id = 1; id < 40_000; id += 2) frames.push(frame(0x1, 0x4, id, block), frame(0x3, 0, id, rst));
      socket.write(Buffer.concat(frames));
      socket.on("data", () => {});
      // The server either keeps up or ends the connection (Node answers a flood with GOAWAY ENHANCE_YOUR_CALM).
      await Promise.race([closed(socket), new Promise((resolve) => setTimeout(resolve, 1500))]);
      socket.destroy();
    });
    expect(growth).toBeLessThan(96 * MB);
    // Every stream was reset before its body: none became an upstream call.
    const attackCalls = gw.mock.requests.filter((r) => !JSON.stringify(r.body).includes("still there?"));
    expect(attackCalls).toHaveLength(0);
  });

  it("500 streams at once on one connection are served within its stream limit (test/max-concurrent-streams.test.ts covers a client ignoring it)", async () => {
    const growth = await during(async () => {
      const session = h2connect(gw.url);
      session.on("error", () => {});
      // Node's client queues streams over the server's limit; each one the server takes is served.
      const statuses = await Promise.all(
        Array.from(
          { length: 500 },
          () =>
            new Promise<number>((resolve) => {
              const stream = session.request({ ":path": "/health" });
              stream.on("response", (h) => resolve(Number(h[":status"])));
              stream.on("error", () => resolve(-1));
              stream.resume();
              stream.end();
            }),
        ),
      );
      session.destroy();
      expect(statuses.every((s) => s === 200 || s === -1)).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    });
    expect(growth).toBeLessThan(96 * MB);
  });

  it("a gRPC frame announcing a 4 GB message is refused at once, not buffered", async () => {
    const growth = await during(async () => {
      const session = h2connect(gw.url);
      const started = performance.now();
      const result = await new Promise<{ status?: string; message?: string }>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/llmgw.v1.ChatService/Complete",
          "content-type": "application/grpc",
          te: "trailers",
          authorization: `Bearer ${KEY}`,
        });
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(0xffffffff, 1);
        stream.write(Buffer.concat([prefix, Buffer.alloc(64 * 1024, 0x0a)]));
        const take = (h: Record<string, unknown>) => {
          if (h["grpc-status"] !== undefined)
            resolve({ status: String(h["grpc-status"]), message: String(h["grpc-message"]) });
        };
        stream.on("response", take);
        stream.on("trailers", take);
        stream.on("error", reject);
        stream.resume();
      });
      session.destroy();
      // RESOURCE_EXHAUSTED, well before the body timeout would have ended it.
      expect(result.status).toBe("8");
      expect(performance.now() - started).toBeLessThan(BODY_TIMEOUT_MS);
    });
    expect(growth).toBeLessThan(96 * MB);
  });

  it("a JSON body nested 100,000 deep gets a 400 on every JSON surface", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const growth = await during(async () => {
      for (const [path, body] of [
        [
          "/v1/chat/completions",
          `{"model":"mock:mock-small","messages":[{"role":"user","content":"hi"}],"x":${deep}}`,
        ],
        ["/v1/chat/completions", `{"model":"mock:mock-small","messages":${deep}}`],
        [
          "/v1/messages",
          `{"model":"mock:mock-small","max_tokens":5,"messages":[{"role":"user","content":${deep}}]}`,
        ],
        ["/v1beta/models/mock-small:generateContent", `{"contents":${deep}}`],
        ["/api/chat", `{"model":"mock:mock-small","messages":[],"options":${deep}}`],
        ["/llmgw.v1.ChatService/Complete", `{"request":{"model":"mock:mock-small","extra":${deep}}}`],
      ]) {
        const res = await fetch(`${gw.url}${path}`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${KEY}`,
            "content-type": "application/json",
            "anthropic-version": "2023-06-01",
          },
          body,
        });
        await res.text();
        expect(res.status, path).toBeGreaterThanOrEqual(400);
        expect(res.status, path).toBeLessThan(500);
      }
    });
    expect(growth).toBeLessThan(96 * MB);
  });

  it("a 10,000-message chat is served, or refused with a 4xx, and memory comes back", async () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => ({
      role: i % 2 === 0 ? ("user" as const) : ("assistant" as const),
      content: `message ${i}`,
    }));
    const growth = await during(async () => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "mock:mock-small", messages }),
      });
      await res.text();
      expect(res.status === 200 || (res.status >= 400 && res.status < 500)).toBe(true);
    });
    expect(growth).toBeLessThan(96 * MB);
  });

  it("a huge header gets a 431 over HTTP/1.1 and a refused stream over HTTP/2", async () => {
    const growth = await during(async () => {
      const socket = await open();
      socket.write(`GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(1024 * 1024)}\r\n\r\n`);
      let text = "";
      socket.on("data", (d) => {
        text += d.toString();
      });
      socket.on("error", () => {});
      await closed(socket);
      expect(text).toMatch(/^HTTP\/1\.1 431 /);
      const session = h2connect(gw.url);
      session.on("error", () => {});
      const outcome = await new Promise<string>((resolve) => {
        const stream = session.request({ ":path": "/health", "x-big": "a".repeat(256 * 1024) });
        stream.on("response", (h) => resolve(String(h[":status"])));
        stream.on("error", (e) => resolve((e as NodeJS.ErrnoException).code ?? "error"));
        stream.on("close", () => resolve("closed"));
        stream.end();
      });
      session.destroy();
      expect(outcome).not.toBe("200");
    });
    expect(growth).toBeLessThan(96 * MB);
  });
});
