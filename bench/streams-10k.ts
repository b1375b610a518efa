/**
 * Concurrent slow streams on one gateway process: BENCH_STREAMS (default 10,000) streams open at once,
 * each BENCH_STREAM_TOKENS tokens (default 300) 100 ms apart from the mock, so every stream stays open
 * for about 30 s. Reports errors (every stream must end with `[DONE]`) and the gateway's RSS per open
 * stream: (RSS with all open − RSS before) / streams, against a target of 100 KB.
 *
 * File descriptors: the hard limit here is 20,000 per process (`ulimit -Hn`). The mock, the gateway and
 * this load generator are separate processes, each started with its soft limit raised to the hard one
 * (this script re-runs itself that way too). The gateway needs one upstream socket per stream, so the
 * load generator speaks HTTP/2 to it: 100 streams per connection (the gateway's default
 * max_concurrent_streams), 100 connections for 10,000 streams, so the gateway holds about 10,100 sockets
 * and the mock 10,000.
 * Run: node_modules/.bin/node bench/streams-10k.ts   (BENCH_STREAMS=2000 for a short validation)
 */

import { type ChildProcess, execSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { type ClientHttp2Session, connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, NODE, ROOT, startNodeFlags } from "./children.ts";
import { API_KEY } from "./load.ts";
import { machineInfo, statusMB } from "./proc-stats.ts";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000);
const TOKENS = Number(process.env.BENCH_STREAM_TOKENS ?? 300);
const PER_CONNECTION = 100;
const ITL_MS = 100;
/** Streams opened per second while ramping up (so the ramp is not itself a burst test). */
const RAMP_PER_SECOND = Number(process.env.BENCH_RAMP ?? 2_000);

/** Runs `node args` with the soft fd limit raised to the hard one. */
function spawnRaised(args: string[]): ChildProcess {
  return spawn("sh", ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', NODE, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
}

function softLimit(): number {
  return Number(execSync("sh -c 'ulimit -n'", { encoding: "utf8" }).trim());
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer`);
}

interface Tally {
  opened: number;
  done: number;
  errors: Map<string, number>;
}

function openStream(session: ClientHttp2Session, tally: Tally): Promise<void> {
  return new Promise((resolve) => {
    const fail = (why: string) => {
      tally.errors.set(why, (tally.errors.get(why) ?? 0) + 1);
      resolve();
    };
    const req = session.request({
      ":method": "POST",
      ":path": "/v1/chat/completions",
      "content-type": "application/json",
      authorization: `Bearer ${API_KEY}`,
    });
    let tail = "";
    let first = true;
    req.setEncoding("utf8");
    req.on("response", (headers) => {
      if (headers[":status"] !== 200) fail(`HTTP ${headers[":status"]}`);
    });
    req.on("data", (chunk: string) => {
      if (first) {
        first = false;
        tally.opened++;
      }
      tail = (tail + chunk).slice(-64);
    });
    req.on("end", () => {
      if (tail.trimEnd().endsWith("data: [DONE]")) {
        tally.done++;
        resolve();
      } else fail("ended without [DONE]");
    });
    req.on("error", (error) => fail(error.message));
    req.end(
      JSON.stringify({
        model: "mock-small",
        stream: true,
        messages: [{ role: "user", content: "hello" }],
        mock: { tokens: TOKENS, itl_ms: ITL_MS },
      }),
    );
  });
}

async function main(): Promise<void> {
  if (softLimit() < Math.min(STREAMS + 1_000, 20_000) && process.env.BENCH_RAISED !== "1") {
    // Run again with the soft limit raised to the hard one (the shell's ulimit may raise it; node cannot).
    const again = spawn(
      "sh",
      ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', NODE, ...process.argv.slice(1)],
      {
        stdio: "inherit",
        env: { ...process.env, BENCH_RAISED: "1" },
      },
    );
    again.on("exit", (code) => process.exit(code ?? 1));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "llmgw-streams-"));
  const [mockPort, port] = [await freePort(), await freePort()];
  const mock = spawnRaised(["mock/main.ts", "--port", String(mockPort)]);
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  await waitFor(`${mockUrl}/v1/models`);
  const file = join(dir, "streams.yaml");
  writeFileSync(
    file,
    JSON.stringify({
      server: { port, shutdown_grace_ms: 1_000 },
      providers: [
        {
          name: "mock",
          base_url: `${mockUrl}/v1`,
          models: ["mock-small"],
          connections: STREAMS + 100,
          max_pending: STREAMS,
        },
      ],
      keys: [{ name: "bench", key: API_KEY }],
      usage: { path: join(dir, "ledger.db") },
      log: { level: "warn" },
      // The overload guard sheds past 4,096 requests in flight by default; holding 10,000 slow
      // streams is an operator's choice, made here as a deployment would make it.
      overload: { max_in_flight: STREAMS + 1_000, max_connections: STREAMS + 1_000 },
    }),
  );
  // And each open stream holds ~50 KB of JS heap: 10,000 need more old generation than npm start's 512 MB
  // (which holds its default max_in_flight, 4,096), so the heap limit is raised with max_in_flight, as a
  // deployment would raise it. The last flag wins.
  const gateway = spawnRaised([
    "--expose-gc",
    ...startNodeFlags(),
    "--max-old-space-size=1536",
    "server/cli.ts",
    "serve",
    "--config",
    file,
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`);
  const pid = gateway.pid as number;
  await sleep(2_000);
  const idleMB = statusMB(pid, "VmRSS");

  const sessions: ClientHttp2Session[] = [];
  for (let i = 0; i < Math.ceil(STREAMS / PER_CONNECTION); i++) sessions.push(connect(url));
  const tally: Tally = { opened: 0, done: 0, errors: new Map() };
  const streams: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < STREAMS; i++) {
    streams.push(openStream(sessions[i % sessions.length] as ClientHttp2Session, tally));
    if (i % 100 === 99) await sleep(100_000 / RAMP_PER_SECOND);
  }
  // All open: wait until every stream has its first bytes, then sample RSS while they all run.
  while (tally.opened + [...tally.errors.values()].reduce((a, b) => a + b, 0) < STREAMS) {
    if (performance.now() - started > (TOKENS * ITL_MS) / 2 + 30_000) break;
    await sleep(200);
  }
  const openAt = (performance.now() - started) / 1000;
  const rssSamples: number[] = [];
  for (let i = 0; i < 5; i++) {
    rssSamples.push(statusMB(pid, "VmRSS"));
    await sleep(500);
  }
  const openMB = Math.max(...rssSamples);
  const openNow = tally.opened - tally.done;
  await Promise.all(streams);
  for (const s of sessions) s.close();
  gateway.kill("SIGTERM");
  mock.kill("SIGTERM");

  const errors = [...tally.errors.values()].reduce((a, b) => a + b, 0);
  const perStreamKB = ((openMB - idleMB) * 1024) / Math.max(1, openNow);
  const pass = errors === 0 && perStreamKB <= 100;
  const verdict =
    `${pass ? "PASS" : "FAIL"}: ${STREAMS} streams, ${tally.done} ended with [DONE], ${errors} errors` +
    `${errors === 0 ? "" : ` ${JSON.stringify(Object.fromEntries(tally.errors))}`}; ` +
    `RSS ${idleMB.toFixed(0)} MB idle, ${openMB.toFixed(0)} MB with ${openNow} open: ${perStreamKB.toFixed(1)} KB per open stream (target 100 KB); all open after ${openAt.toFixed(1)} s`;
  const date = new Date().toISOString().slice(0, 10);
  const results = join(ROOT, "bench", "results");
  mkdirSync(results, { recursive: true });
  const info = machineInfo();
  writeFileSync(
    join(results, `${date}-streams-${STREAMS}.md`),
    [
      `# ${STREAMS} concurrent slow streams on one process (${date})`,
      "",
      `Run: \`BENCH_STREAMS=${STREAMS} node_modules/.bin/node bench/streams-10k.ts\` on ${info.nproc} cores, Node ${info.node}, load average ${info.loadAverage} (a shared machine).`,
      `Each stream: ${TOKENS} tokens, ${ITL_MS} ms apart, from the mock in its own process; the load generator (this process) speaks HTTP/2, ${PER_CONNECTION} streams per connection. Every process's soft fd limit raised to the hard one (${softLimit()}).`,
      "",
      `**${verdict}**`,
      "",
      `RSS samples with all open (MB): ${rssSamples.map((m) => m.toFixed(1)).join(", ")}.`,
      "",
    ].join("\n"),
  );
  console.log(verdict);
  process.exitCode = pass ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
