import { readdirSync, readFileSync } from "node:fs";
import { connect as h2connect } from "node:http2";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../harness/start-gateway.ts";

/**
 * Every failure the fuzz and abuse suites found, kept as a fixed case in
 * test/fuzz/regressions/*.json and replayed byte for byte: the request as it
 * was sent, and the answer it must now get.
 */

interface Case {
  readonly found: string;
  readonly protocol: "h1" | "h2";
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body_base64: string;
  /** False leaves the request body open, as the original attacker did. */
  readonly end: boolean;
  readonly expect: { status?: number; grpc_status?: string; within_ms: number };
}

const DIR = join(import.meta.dirname, "regressions");
const CASES = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((file) => ({ file, ...(JSON.parse(readFileSync(join(DIR, file), "utf8")) as Case) }));

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ config: { keys: [{ name: "app", key: "sk-regression-key-1" }] } });
});
afterAll(async () => {
  await gw?.close();
});

/** Replays over raw HTTP/1.1 bytes, so no client tidies the request; resolves with the status. */
function replayH1(c: Case): Promise<{ status?: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(gw.port, "127.0.0.1");
    const body = Buffer.from(c.body_base64, "base64");
    let head = `POST ${c.path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(c.headers)) head += `${name}: ${value}\r\n`;
    head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    socket.write(Buffer.concat([Buffer.from(head), body]));
    let text = "";
    socket.on("data", (d) => {
      text += d.toString("latin1");
    });
    socket.on("error", reject);
    socket.on("close", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]) }));
  });
}

function replayH2(c: Case): Promise<{ status?: number; grpc?: string }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(gw.url);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": c.path,
      ...c.headers,
      authorization: "Bearer sk-regression-key-1",
    });
    const out: { status?: number; grpc?: string } = {};
    // Done at a gRPC status, or when the stream closes: a body left open never closes it by itself.
    const done = () => {
      session.destroy();
      resolve(out);
    };
    stream.on("response", (h) => {
      out.status = Number(h[":status"]);
      if (h["grpc-status"] !== undefined) {
        out.grpc = String(h["grpc-status"]);
        done();
      }
    });
    stream.on("trailers", (t) => {
      out.grpc = String(t["grpc-status"]);
      done();
    });
    stream.on("error", () => {});
    stream.on("close", done);
    stream.resume();
    const body = Buffer.from(c.body_base64, "base64");
    if (c.end) stream.end(body);
    else stream.write(body);
  });
}

describe.each(CASES)("regression $file", (c) => {
  it("gets its fixed answer, in time", async () => {
    const started = performance.now();
    const out = c.protocol === "h1" ? await replayH1(c) : await replayH2(c);
    expect(performance.now() - started, c.found).toBeLessThan(c.expect.within_ms);
    if (c.expect.status !== undefined) expect(out.status, c.found).toBe(c.expect.status);
    if (c.expect.grpc_status !== undefined)
      expect((out as { grpc?: string }).grpc, c.found).toBe(c.expect.grpc_status);
  });
});
