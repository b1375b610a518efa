/**
 * The typed API's load: the same chat (bench/load.ts's body) as REST `/v1/chat/completions` (JSON,
 * plain and `stream: true`) and as `ChatService/Complete` and `/Stream` over gRPC (binary protobuf), on
 * HTTP/2 (h2c) connections. The load generator is h2load when it is installed (Debian
 * `nghttp2-client`), else a `node:http2` loop in this process. Used by `npm run bench` (its RPC phase)
 * and by bench/rpc-cpu.ts.
 */

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect, constants } from "node:http2";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { CompleteRequestSchema, Role, StreamRequestSchema } from "../gen/llmgw/v1/chat_pb.js";
import { API_KEY, CHAT_BODY, STREAM_BODY, SYSTEM, USER } from "./load.ts";

const MODEL = "mock-small";
const MAX_TOKENS = 256;
const TEMPERATURE = 0.7;

/** A gRPC length-prefixed message: flag byte 0 (uncompressed), big-endian length, the bytes. */
function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

const chat = {
  model: MODEL,
  messages: [
    { role: Role.SYSTEM, content: [{ part: { case: "text" as const, value: SYSTEM } }] },
    { role: Role.USER, content: [{ part: { case: "text" as const, value: USER } }] },
  ],
  maxTokens: MAX_TOKENS,
  temperature: TEMPERATURE,
};

export type RpcTargetKey = "rest-unary" | "grpc-unary" | "rest-stream" | "grpc-stream";

export interface RpcTarget {
  readonly key: RpcTargetKey;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly grpc: boolean;
}

const auth = { authorization: `Bearer ${API_KEY}` };
const jsonHeaders = { ...auth, "content-type": "application/json" };
const grpcHeaders = { ...auth, "content-type": "application/grpc", te: "trailers" };
export const RPC_TARGETS: readonly RpcTarget[] = [
  {
    key: "rest-unary",
    path: "/v1/chat/completions",
    headers: jsonHeaders,
    body: Buffer.from(CHAT_BODY),
    grpc: false,
  },
  {
    key: "grpc-unary",
    path: "/llmgw.v1.ChatService/Complete",
    headers: grpcHeaders,
    body: grpcFrame(toBinary(CompleteRequestSchema, create(CompleteRequestSchema, { chat }))),
    grpc: true,
  },
  {
    key: "rest-stream",
    path: "/v1/chat/completions",
    headers: jsonHeaders,
    body: Buffer.from(STREAM_BODY),
    grpc: false,
  },
  {
    key: "grpc-stream",
    path: "/llmgw.v1.ChatService/Stream",
    headers: grpcHeaders,
    body: grpcFrame(toBinary(StreamRequestSchema, create(StreamRequestSchema, { chat }))),
    grpc: true,
  },
];

/** How the load is sent: `connections` h2c sessions with `streams` requests in flight on each. */
export interface RpcLoad {
  readonly connections: number;
  readonly streams: number;
  readonly client: "h2load" | "node";
  /** The core h2load is pinned to (taskset), when pinning. */
  readonly core?: number;
  /** A scratch directory for h2load's body files. */
  readonly dir: string;
}

/** h2load when it is installed, else the `node:http2` loop. */
export function defaultRpcClient(): RpcLoad["client"] {
  return spawnSync("h2load", ["--version"], { stdio: "ignore" }).status === 0 ? "h2load" : "node";
}

interface Reply {
  status: number;
  grpcStatus: string | undefined;
  bytes: number;
}

/** One request on an open session; resolves with the HTTP status, gRPC status (trailer or header) and size. */
function send(session: ReturnType<typeof connect>, target: RpcTarget): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": target.path,
      ...target.headers,
      "content-length": String(target.body.length),
    });
    const reply: Reply = { status: 0, grpcStatus: undefined, bytes: 0 };
    stream.on("response", (headers) => {
      reply.status = Number(headers[constants.HTTP2_HEADER_STATUS]);
      reply.grpcStatus ??= headers["grpc-status"] as string | undefined;
    });
    stream.on("trailers", (trailers) => {
      reply.grpcStatus = trailers["grpc-status"] as string | undefined;
    });
    stream.on("data", (chunk: Buffer) => {
      reply.bytes += chunk.length;
    });
    stream.on("end", () => resolve(reply));
    stream.on("error", reject);
    stream.end(target.body);
  });
}

function ok(target: RpcTarget, reply: Reply): boolean {
  return reply.status === 200 && (!target.grpc || reply.grpcStatus === "0") && reply.bytes > 0;
}

/** The `node:http2` load loop; resolves with the number of failed requests. */
async function nodeLoad(url: string, target: RpcTarget, requests: number, load: RpcLoad): Promise<number> {
  const sessions = Array.from({ length: load.connections }, () => connect(url));
  let started = 0;
  let failed = 0;
  const worker = async (session: ReturnType<typeof connect>) => {
    while (started < requests) {
      started++;
      if (!ok(target, await send(session, target))) failed++;
    }
  };
  try {
    await Promise.all(sessions.flatMap((s) => Array.from({ length: load.streams }, () => worker(s))));
  } finally {
    for (const session of sessions) session.close();
  }
  return failed;
}

/** h2load, which counts a request as failed on a non-2xx status (the gRPC status is checked up front). */
function h2load(url: string, target: RpcTarget, requests: number, load: RpcLoad): number {
  const bodyFile = join(load.dir, `${target.key}.body`);
  writeFileSync(bodyFile, target.body);
  const args = ["-n", String(requests), "-c", String(load.connections), "-m", String(load.streams)];
  args.push("-d", bodyFile);
  for (const [name, value] of Object.entries(target.headers)) args.push("-H", `${name}: ${value}`);
  args.push(`${url}${target.path}`);
  const command = load.core === undefined ? "h2load" : "taskset";
  const argv = load.core === undefined ? args : ["-c", String(load.core), "h2load", ...args];
  const run = spawnSync(command, argv, { encoding: "utf8" });
  const match = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(
    run.stdout,
  );
  if (run.status !== 0 || !match) throw new Error(`h2load failed:\n${run.stdout}\n${run.stderr}`);
  return requests - Number(match[2]);
}

/** Sends `requests` of one target; resolves with how many failed. */
export async function driveRpc(
  url: string,
  target: RpcTarget,
  requests: number,
  load: RpcLoad,
): Promise<number> {
  return load.client === "h2load"
    ? h2load(url, target, requests, load)
    : nodeLoad(url, target, requests, load);
}

/** Refuses to measure a target that does not answer correctly (a fast error is not a fast request). */
export async function checkRpc(url: string): Promise<void> {
  const session = connect(url);
  try {
    for (const target of RPC_TARGETS) {
      const reply = await send(session, target);
      if (!ok(target, reply)) throw new Error(`${target.key} answered ${JSON.stringify(reply)}`);
    }
  } finally {
    session.close();
  }
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
