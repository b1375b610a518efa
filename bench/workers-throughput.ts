/**
 * Throughput at saturation of `llmgw serve --workers 2` against `--workers 1` on this machine: the same
 * full-pipeline config (bench/gateway-config.ts with limits and a budget), the mock in its own process,
 * autocannon driving each flat out for BENCH_SECONDS (default 20) with BENCH_CONNECTIONS (default 128).
 * Reports req/s, the gateway's CPU (primary and workers together) and the load generator's own CPU share,
 * since on a 2-core machine the generator and the mock compete with the workers for the same cores.
 * Run: node_modules/.bin/node bench/workers-throughput.ts   (BENCH_SECONDS=5 for a short validation)
 */

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, ROOT, spawnNode, stop, stopAll, waitForHttp } from "./children.ts";
import { writeGatewayConfig } from "./gateway-config.ts";
import { saturate } from "./load.ts";
import { cpuMicros, machineBusyMicros, machineInfo } from "./proc-stats.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 128);

/** `pid` and every process below it. */
function tree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // gone
  }
  return [pid, ...children.flatMap(tree)];
}

const treeCpu = (pid: number) => tree(pid).reduce((sum, p) => sum + (safeCpu(p) ?? 0), 0);
function safeCpu(pid: number): number | undefined {
  try {
    return cpuMicros(pid);
  } catch {
    return undefined;
  }
}

interface Run {
  workers: number;
  rps: number;
  failed: number;
  gatewayCores: number;
  generatorCores: number;
  machineCores: number;
}

async function run(workers: number, dir: string, mockUrl: string): Promise<Run> {
  const port = await freePort();
  const file = writeGatewayConfig(dir, `workers-${workers}`, port, mockUrl, false, true);
  const gateway = spawnNode(
    "gateway",
    ["server/cli.ts", "serve", "--config", file, "--workers", String(workers)],
    [],
  );
  const url = `http://127.0.0.1:${port}`;
  // Workers start one after another, each a whole gateway: slow on a busy 2-core machine.
  await waitForHttp(`${url}/health`, gateway, 90_000);
  await sleep(2_000);
  await saturate(url, CONNECTIONS, 2); // warm-up
  const gw0 = treeCpu(gateway.pid);
  const me0 = process.cpuUsage();
  const machine0 = machineBusyMicros();
  const t0 = performance.now();
  const result = await saturate(url, CONNECTIONS, SECONDS);
  const wallUs = (performance.now() - t0) * 1000;
  const me = process.cpuUsage(me0);
  const out: Run = {
    workers,
    rps: Math.round(result.rps),
    failed: result.failed,
    gatewayCores: (treeCpu(gateway.pid) - gw0) / wallUs,
    generatorCores: (me.user + me.system) / wallUs,
    machineCores: (machineBusyMicros() - machine0) / wallUs,
  };
  await stop(gateway, 10_000);
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "llmgw-workers-tp-"));
  const mockPort = await freePort();
  const mock = spawnNode("mock", ["mock/main.ts", "--port", String(mockPort)], []);
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  await waitForHttp(`${mockUrl}/v1/models`, mock);
  const mock0 = safeCpu(mock.pid) ?? 0;
  const runs = [await run(1, dir, mockUrl), await run(2, dir, mockUrl)];
  const mockCpu = ((safeCpu(mock.pid) ?? 0) - mock0) / 1e6;
  await stopAll();
  const [one, two] = runs as [Run, Run];
  const info = machineInfo();
  const f = (n: number) => n.toFixed(2);
  const table = [
    "| --workers | req/s | failed | gateway CPU (cores) | load generator CPU (cores) | whole machine busy (cores) |",
    "| -: | -: | -: | -: | -: | -: |",
    ...runs.map(
      (r) =>
        `| ${r.workers} | ${r.rps} | ${r.failed} | ${f(r.gatewayCores)} | ${f(r.generatorCores)} | ${f(r.machineCores)} |`,
    ),
  ];
  const verdict = `--workers 2 served ${(two.rps / one.rps).toFixed(2)}x the req/s of --workers 1 on ${cpus().length} cores; the load generator used ${f(one.generatorCores)} and ${f(two.generatorCores)} cores`;
  const date = new Date().toISOString().slice(0, 10);
  const results = join(ROOT, "bench", "results");
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, `${date}-workers-throughput.md`),
    [
      `# Throughput at saturation: --workers 2 against --workers 1 (${date})`,
      "",
      `Run: \`BENCH_SECONDS=${SECONDS} node_modules/.bin/node bench/workers-throughput.ts\` on ${info.nproc} cores (${info.cpuModel}), Node ${info.node}, load average ${info.loadAverage}. autocannon, ${CONNECTIONS} connections, ${SECONDS} s each after a 2 s warm-up; the full pipeline with limits and a budget (embedded, so with 2 workers through the primary's broker). The mock (in its own process) used ${mockCpu.toFixed(1)} CPU-seconds over both runs. The machine is shared with other sessions: the figures are noisy.`,
      "",
      ...table,
      "",
      `**${verdict}.**`,
      "",
    ].join("\n"),
  );
  console.log(table.join("\n"));
  console.log(verdict);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
