import { connect as h2connect } from "node:http2";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../harness/start-gateway.ts";
import { fuzzParameters, fuzzTimeoutMs, MEMORY_BOUND_BYTES, memoryInUse } from "./fuzz-settings.ts";
import { RPC_METHODS } from "./rpc-methods.ts";

/**
 * Random protobuf bytes for every RPC, over binary gRPC (HTTP/2) and the
 * Connect protocol with binary messages (HTTP/1.1 and HTTP/2). Invariants:
 * every call ends with a gRPC status or a Connect error (never INTERNAL or
 * UNKNOWN, which would be a gateway bug), and memory stays bounded. The key
 * is not an admin key: admin RPCs decode the message, then refuse.
 */

const KEY = "sk-fuzz-rpc-key-12";
let gw: TestGateway;
let memoryBefore = 0;
beforeAll(async () => {
  gw = await startTestGateway({
    config: { keys: [{ name: "app", key: KEY }], audit: { enabled: true, mode: "metadata-only" } },
  });
  memoryBefore = memoryInUse();
});
afterAll(async () => {
  expect(memoryInUse() - memoryBefore).toBeLessThan(MEMORY_BOUND_BYTES);
  await gw?.close();
});

/** Protobuf-looking bytes: valid tags with random wire types and lengths, or plain noise. */
const protobufish = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .array(
      fc.tuple(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 7 }),
        fc.uint8Array({ maxLength: 20 }),
      ),
      { maxLength: 12 },
    )
    .map((fields) =>
      Buffer.concat(
        fields.map(([field, wire, bytes]) =>
          Buffer.concat([
            Buffer.from([(field << 3) | wire]),
            wire === 2 ? Buffer.from([bytes.length]) : Buffer.alloc(0),
            bytes,
          ]),
        ),
      ),
    ),
);

/** A gRPC (or Connect streaming) envelope: flags, length, message; sometimes with a lying length or flag. */
const envelope = fc
  .tuple(protobufish, fc.constantFrom(0, 0, 0, 1, 2, 0x80), fc.oneof(fc.constant(-1), fc.nat(1_000_000)))
  .map(([message, flags, length]) => {
    const head = Buffer.alloc(5);
    head[0] = flags;
    head.writeUInt32BE(length === -1 ? message.length : length, 1);
    return Buffer.concat([head, message]);
  });

/** Sends one call over HTTP/2 and returns the gRPC status (from headers or trailers) or the Connect HTTP status. */
function callH2(
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<{ grpc?: string; http: number; text: string }> {
  return new Promise((resolve, reject) => {
    const session = h2connect(gw.url);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      authorization: `Bearer ${KEY}`,
      ...headers,
    });
    let grpc: string | undefined;
    let http = 0;
    let text = "";
    stream.on("response", (h) => {
      http = Number(h[":status"]);
      if (h["grpc-status"] !== undefined) grpc = String(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) text += decodeURIComponent(String(h["grpc-message"]));
    });
    stream.on("trailers", (t) => {
      if (t["grpc-status"] !== undefined) grpc = String(t["grpc-status"]);
      if (t["grpc-message"] !== undefined) text += decodeURIComponent(String(t["grpc-message"]));
    });
    stream.on("data", (d: Buffer) => {
      if (text.length < 4096) text += d.toString("latin1");
    });
    stream.on("error", () => {});
    stream.on("close", () => {
      session.destroy();
      resolve({ grpc, http, text });
    });
    stream.setTimeout(10_000, () => stream.close());
    stream.end(body);
  });
}

const INTERNAL = "13";
const UNKNOWN = "2";

/**
 * A message flagged compressed on a call without `grpc-encoding` is INTERNAL by the gRPC spec's
 * reference implementations (grpc-go, connect-es) too: the one INTERNAL that is not a gateway fault.
 */
function gatewayFault(status: string | undefined, message: string): boolean {
  if (status === UNKNOWN) return true;
  return status === INTERNAL && !/compress/i.test(message);
}

describe.each(RPC_METHODS)("fuzzing $path", ({ path, streaming }) => {
  it(
    "ends every binary gRPC call with a status that is not a gateway fault",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(envelope, fc.uint8Array({ maxLength: 40 })), async (body) => {
          // A deadline, as real clients set one: a valid WatchUsage request is a stream that lasts
          // until the caller leaves, and its deadline is how it then ends with a status.
          const { grpc, text } = await callH2(
            path,
            { "content-type": "application/grpc", te: "trailers", "grpc-timeout": "2S" },
            body,
          );
          expect(grpc, text).toBeDefined();
          expect(gatewayFault(grpc, text), `${grpc} ${text}`).toBe(false);
        }),
        fuzzParameters(12),
      );
    },
    fuzzTimeoutMs(),
  );

  it(
    "answers every Connect call with binary messages with a result or a Connect error",
    async () => {
      await fc.assert(
        fc.asyncProperty(streaming ? envelope : protobufish, async (body) => {
          const type = streaming ? "application/connect+proto" : "application/proto";
          const { http, text } = await callH2(
            path,
            { "content-type": type, "connect-protocol-version": "1", "connect-timeout-ms": "2000" },
            body,
          );
          expect(http, text).not.toBe(500);
          if (!streaming && http >= 400) expect(() => JSON.parse(text), text).not.toThrow();
          const code = /"code":"(internal|unknown)"/.exec(text)?.[1];
          const status = code === "internal" ? INTERNAL : code === "unknown" ? UNKNOWN : undefined;
          expect(gatewayFault(status, text), text).toBe(false);
        }),
        fuzzParameters(12),
      );
    },
    fuzzTimeoutMs(),
  );
});
