/**
 * The overload guard under load: `node bench/overload.ts`.
 *
 * Streams of 10 tokens, 100 ms apart (10 tokens a second, about 1 s each), are
 * held open by N concurrent clients against `llmgw serve` whose guard admits
 * OVERLOAD_MAX_IN_FLIGHT at once. Each client opens a stream as soon as its
 * last one ends; a shed one (503) waits its Retry-After's worth of 200 ms and
 * tries again. Reported per phase: admitted streams' first-byte latency (p50,
 * p99, max), how many were shed and how fast the 503 came, and errors.
 * Phases: the guard's capacity (1×), twice it (2×), and, for contrast, 2×
 * with the guard off.
 *
 *   OVERLOAD_MAX_IN_FLIGHT  admitted at once (default 400)
 *   OVERLOAD_SECONDS        measured seconds per phase (default 10)
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import { freePort, spawnNode, stop, stopAll, waitForHttp } from "./children.ts";
import { cpuMicros, machineInfo } from "./proc-stats.ts";

const CAPACITY = Number(process.env.OVERLOAD_MAX_IN_FLIGHT ?? 400);
const SECONDS = Number(process.env.OVERLOAD_SECONDS ?? 10);
const KEY = "sk-bench-overload-key";

interface PhaseResult {
  readonly name: string;
  readonly clients: number;
  readonly admitted: number;
  readonly shed: number;
  readonly errors: number;
  readonly ttfbMs: { p50: number; p99: number; max: number };
  readonly shedMs: { p50: number; p99: number };
  readonly gatewayCpuPct: number;
  /** The load generator's own event-loop delay p99: how much of the latency is the client's. */
  readonly clientLoopP99Ms: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function startGateway(dir: string, mockUrl: string, guard: boolean) {
  const port = await freePort();
  const file = join(dir, `gateway-${guard ? "guard" : "open"}.yaml`);
  writeFileSync(
    file,
    [
      "server:",
      `  port: ${port}`,
      "  shutdown_grace_ms: 500",
      "providers:",
      "  - name: mock",
      `    base_url: ${mockUrl}/v1`,
      "    models: [mock-small]",
      "    connections: 4096",
      "    max_pending: 8192",
      "keys:",
      "  - name: bench",
      `    key: ${KEY}`,
      "usage:",
      `  path: ${join(dir, `gateway-${guard}.db`)}`,
      "log:",
      "  level: warn",
      "overload:",
      `  enabled: ${guard}`,
      `  max_in_flight: ${CAPACITY}`,
      "  max_connections: 20000",
      "",
    ].join("\n"),
  );
  const child = spawnNode("gateway", ["server/cli.ts", "serve", "--config", file], []);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, child);
  return { child, url };
}

const BODY = JSON.stringify({
  model: "mock:mock-small",
  messages: [{ role: "user", content: "stream please" }],
  stream: true,
});

async function phase(name: string, url: string, pid: number, clients: number): Promise<PhaseResult> {
  const agent = new Agent({ connections: clients * 2, pipelining: 0 });
  const ttfb: number[] = [];
  const shedTimes: number[] = [];
  let errors = 0;
  const until = performance.now() + 2_000 + SECONDS * 1000;
  const warmEnd = performance.now() + 2_000;
  const client = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      const measuring = started > warmEnd;
      try {
        const res = await request(`${url}/v1/chat/completions`, {
          method: "POST",
          dispatcher: agent,
          headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
          body: BODY,
        });
        if (res.statusCode === 503) {
          await res.body.dump();
          if (measuring) shedTimes.push(performance.now() - started);
          await sleep(200);
          continue;
        }
        let first = true;
        for await (const _ of res.body) {
          if (first && measuring) ttfb.push(performance.now() - started);
          first = false;
        }
        if (res.statusCode !== 200 && measuring) errors++;
      } catch {
        if (measuring) errors++;
        await sleep(100);
      }
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpuBefore = cpuMicros(pid);
  const wallBefore = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  const cpu = (cpuMicros(pid) - cpuBefore) / 1000 / (performance.now() - wallBefore);
  loop.disable();
  await agent.close();
  ttfb.sort((a, b) => a - b);
  shedTimes.sort((a, b) => a - b);
  return {
    name,
    clients,
    admitted: ttfb.length,
    shed: shedTimes.length,
    errors,
    ttfbMs: { p50: quantile(ttfb, 0.5), p99: quantile(ttfb, 0.99), max: ttfb.at(-1) ?? 0 },
    shedMs: { p50: quantile(shedTimes, 0.5), p99: quantile(shedTimes, 0.99) },
    gatewayCpuPct: Math.round(cpu * 100),
    clientLoopP99Ms: Math.round(loop.percentile(99) / 1e6),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-overload-"));
  const mockPort = await freePort();
  const mock = spawnNode(
    "mock",
    ["mock/main.ts", "--port", String(mockPort), "--tokens", "10", "--itl-ms", "100"],
    [],
  );
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  await waitForHttp(`${mockUrl}/v1/models`, mock);
  const results: PhaseResult[] = [];
  const guarded = await startGateway(dir, mockUrl, true);
  results.push(await phase("guard on, 1× capacity", guarded.url, guarded.child.pid, CAPACITY));
  results.push(await phase("guard on, 2× capacity", guarded.url, guarded.child.pid, CAPACITY * 2));
  await stop(guarded.child);
  const open = await startGateway(dir, mockUrl, false);
  results.push(await phase("guard off, 2× capacity", open.url, open.child.pid, CAPACITY * 2));
  await stop(open.child);
  await stopAll();
  const info = machineInfo();
  console.log(JSON.stringify({ machine: info, capacity: CAPACITY, seconds: SECONDS, results }, null, 2));
  console.log(
    "\n| phase | clients | admitted | shed | errors | first byte p50 / p99 / max (ms) | 503 p50 / p99 (ms) | gateway CPU |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.clients} | ${r.admitted} | ${r.shed} | ${r.errors} | ${r.ttfbMs.p50.toFixed(0)} / ${r.ttfbMs.p99.toFixed(0)} / ${r.ttfbMs.max.toFixed(0)} | ${r.shedMs.p50.toFixed(1)} / ${r.shedMs.p99.toFixed(1)} | ${r.gatewayCpuPct} % | ${r.clientLoopP99Ms} |`,
    );
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exitCode = 1;
});
