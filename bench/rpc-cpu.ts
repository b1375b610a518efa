/**
 * Gateway CPU per request by surface: `node bench/rpc-cpu.ts` starts the mock and the gateway, then drives
 * the gateway over one HTTP/2 cleartext (h2c) connection per mode, closed loop with `BENCH_RPC_STREAMS`
 * (16) requests in flight, in interleaved slices of `BENCH_SLICE_SECONDS` (2) s, `BENCH_SLICES` (4) per
 * mode. Modes: REST `/v1/chat/completions` (plain and `"stream": true`), gRPC `ChatService/Complete` and
 * `ChatService/Stream`, all with the benchmark's realistic prompt (bench/load.ts). CPU is the gateway
 * process's `utime + stime` (all threads) per completed request, so the load generator's own cost, which
 * differs by protocol, does not count. Writes nothing.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type ClientHttp2Session, connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { CompleteRequestSchema, Role, StreamRequestSchema } from "../gen/llmgw/v1/chat_pb.js";
import { canPin, freePort, pin, spawnNode, stopAll, waitForHttp } from "./children.ts";
import { API_KEY, CHAT_BODY, PATH, percentiles, STREAM_BODY, SYSTEM, USER } from "./load.ts";
import { cpuMicros, machineInfo } from "./proc-stats.ts";

const streams = Number(process.env.BENCH_RPC_STREAMS ?? 16);
const sliceSeconds = Number(process.env.BENCH_SLICE_SECONDS ?? 2);
const slices = Number(process.env.BENCH_SLICES ?? 4);
const pinning = process.env.BENCH_PIN !== "0" && canPin(machineInfo().nproc);

/** The same chat as the REST body, in the canonical request. */
const CHAT = {
  model: "mock-small",
  messages: [
    { role: Role.SYSTEM, content: [{ part: { case: "text" as const, value: SYSTEM } }] },
    { role: Role.USER, content: [{ part: { case: "text" as const, value: USER } }] },
  ],
  maxTokens: 256,
  temperature: 0.7,
};

/** One gRPC length-prefixed message: flag byte 0 (uncompressed), 4-byte big-endian length, the bytes. */
function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

interface Mode {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Whether a finished exchange succeeded. */
  ok(status: number, trailers: Record<string, unknown>, text: string): boolean;
}

const AUTH = { authorization: `Bearer ${API_KEY}` };
const GRPC = { ...AUTH, "content-type": "application/grpc+proto", te: "trailers" };
const grpcOk = (status: number, trailers: Record<string, unknown>) =>
  status === 200 && String(trailers["grpc-status"]) === "0";
const MODES: Mode[] = [
  {
    name: "REST /v1/chat/completions (h2c)",
    path: PATH,
    headers: { ...AUTH, "content-type": "application/json" },
    body: Buffer.from(CHAT_BODY),
    ok: (status, _t, text) => status === 200 && text.includes('"choices"'),
  },
  {
    name: "gRPC ChatService/Complete (h2c)",
    path: "/llmgw.v1.ChatService/Complete",
    headers: GRPC,
    body: grpcFrame(toBinary(CompleteRequestSchema, create(CompleteRequestSchema, { chat: CHAT }))),
    ok: grpcOk,
  },
  {
    name: "REST stream: true (h2c)",
    path: PATH,
    headers: { ...AUTH, "content-type": "application/json" },
    body: Buffer.from(STREAM_BODY),
    ok: (status, _t, text) => status === 200 && text.includes("[DONE]"),
  },
  {
    name: "gRPC ChatService/Stream (h2c)",
    path: "/llmgw.v1.ChatService/Stream",
    headers: GRPC,
    body: grpcFrame(toBinary(StreamRequestSchema, create(StreamRequestSchema, { chat: CHAT }))),
    ok: grpcOk,
  },
];

/** One exchange on `session`; resolves with its latency in µs, or -1 when it failed. */
function exchange(session: ClientHttp2Session, mode: Mode): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = session.request({ ":method": "POST", ":path": mode.path, ...mode.headers });
    let status = 0;
    let trailers: Record<string, unknown> = {};
    let text = "";
    req.on("response", (headers) => {
      status = Number(headers[":status"]);
      // A gRPC error may come as trailers-only headers.
      if (headers["grpc-status"] !== undefined) trailers = headers;
    });
    req.on("trailers", (t) => {
      trailers = t;
    });
    req.setEncoding("latin1");
    req.on("data", (chunk: string) => {
      text += chunk;
    });
    req.on("end", () => {
      resolve(mode.ok(status, trailers, text) ? Number(process.hrtime.bigint() - t0) / 1000 : -1);
    });
    req.on("error", () => resolve(-1));
    req.end(mode.body);
  });
}

/** Closed loop: `streams` exchanges in flight on one session for `seconds`. */
async function drive(session: ClientHttp2Session, mode: Mode, seconds: number) {
  const until = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let failed = 0;
  const loop = async () => {
    while (performance.now() < until) {
      const us = await exchange(session, mode);
      if (us < 0) failed++;
      else latencies.push(us);
    }
  };
  await Promise.all(Array.from({ length: streams }, loop));
  return { latencies, failed };
}

async function main(): Promise<void> {
  if (pinning) pin(process.pid, 0);
  const dir = mkdtempSync(join(tmpdir(), "llmgw-rpc-cpu-"));
  try {
    const mock = spawnNode("mock", ["server/cli.ts", "mock", "--port", "0", "--tokens", "16"], [], 0);
    const mockUrl = String((await mock.firstJson).url);
    const port = await freePort();
    const config = join(dir, "llmgw.yaml");
    const yaml = [
      "server:",
      `  port: ${port}`,
      "providers:",
      "  - name: mock",
      `    base_url: ${mockUrl}/v1`,
      "    models: [mock-small]",
      "keys:",
      "  - name: bench",
      `    key: ${API_KEY}`,
      "usage:",
      `  path: ${join(dir, "usage.db")}`,
      "log:",
      "  level: warn",
      "",
    ];
    writeFileSync(config, yaml.join("\n"));
    const gw = spawnNode(
      "gateway",
      ["server/cli.ts", "serve", "--config", config],
      [],
      pinning ? 1 : undefined,
    );
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`, gw);
    const sessions = MODES.map(() => connect(url));
    const acc = MODES.map(() => ({
      cpuUs: 0,
      completed: 0,
      failed: 0,
      latencies: [] as number[],
      perSlice: [] as number[],
    }));
    for (const [i, mode] of MODES.entries()) {
      const session = sessions[i];
      if (session) await drive(session, mode, 2); // warm-up
    }
    for (let s = 0; s < slices; s++) {
      for (let k = 0; k < MODES.length; k++) {
        const i = (s + k) % MODES.length;
        const [mode, session, a] = [MODES[i], sessions[i], acc[i]];
        if (!mode || !session || !a) continue;
        const cpu0 = cpuMicros(gw.pid);
        const r = await drive(session, mode, sliceSeconds);
        const cpuUs = cpuMicros(gw.pid) - cpu0;
        a.cpuUs += cpuUs;
        a.completed += r.latencies.length;
        a.failed += r.failed;
        a.latencies.push(...r.latencies);
        a.perSlice.push(cpuUs / r.latencies.length);
      }
    }
    const rest = acc[0] ? acc[0].cpuUs / acc[0].completed : Number.NaN;
    process.stdout.write(`gateway CPU per request, ${streams} in flight on one h2c connection per mode\n`);
    for (const [i, mode] of MODES.entries()) {
      const a = acc[i];
      if (!a) continue;
      const perReq = a.cpuUs / a.completed;
      const range = `${Math.min(...a.perSlice).toFixed(0)}–${Math.max(...a.perSlice).toFixed(0)}`;
      const p = percentiles(a.latencies);
      process.stdout.write(
        `${mode.name.padEnd(34)} ${perReq.toFixed(0).padStart(5)} µs/req (slices ${range}, ` +
          `${(perReq / rest).toFixed(2)}× REST)  ${(a.completed / (slices * sliceSeconds)).toFixed(0)} req/s  ` +
          `p50 ${p.p50.toFixed(2)} ms  failed ${a.failed}\n`,
      );
    }
    for (const session of sessions) session.close();
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(`rpc-cpu: ${(error as Error).stack ?? String(error)}\n`);
  await stopAll();
  process.exit(1);
});
