/**
 * Where does the p99 at a fixed rate come from? `node bench/tail-probe.ts` runs the gateway and the floor
 * side by side at `BENCH_RATE` (500) req/s in alternating slices of `BENCH_SLICE_SECONDS` (10), each with
 * `bench/stall-watch.ts` preloaded, and prints per slice the p50/p99 and the event-loop stalls (≥ 4 ms) it
 * saw, split by what they overlapped: a GC pause, a `node:sqlite` call on the main thread, or neither.
 * `BENCH_SLICES` (3) slices per target. `PROBE_BASELINE=DIR` adds a second gateway started from another
 * checkout (`DIR/server/cli.ts`, e.g. an older commit's tree), so a change is compared with what it replaced
 * in the same run. Writes nothing; the numbers are for reading next to each other.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, canPin, freePort, pin, spawnNode, stopAll, waitForHttp } from "./children.ts";
import { writeGatewayConfig } from "./gateway-config.ts";
import { client, paced, percentiles, saturate } from "./load.ts";
import { machineInfo } from "./proc-stats.ts";

const rate = Number(process.env.BENCH_RATE ?? 500);
const sliceSeconds = Number(process.env.BENCH_SLICE_SECONDS ?? 10);
const slices = Number(process.env.BENCH_SLICES ?? 3);
const pinning = process.env.BENCH_PIN !== "0" && canPin(machineInfo().nproc);
const targetCore = pinning ? 1 : undefined;
const loadCore = pinning ? 0 : undefined;
const WATCH = ["--import", "./bench/stall-watch.ts"];

interface Window {
  t: number;
  stalls: Array<{ ms: number; gc: boolean; sqlite: boolean }>;
  gcMs: number;
  sqliteMs: number;
  sqliteMaxMs: number;
}

function watch(child: Child): Window[] {
  const windows: Window[] = [];
  child.proc.stderr?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (line.startsWith("stall-watch ")) windows.push(JSON.parse(line.slice(12)) as Window);
    }
  });
  return windows;
}

async function main(): Promise<void> {
  if (pinning) pin(process.pid, loadCore);
  const dir = mkdtempSync(join(tmpdir(), "llmgw-tail-"));
  try {
    const mock = spawnNode("mock", ["server/cli.ts", "mock", "--port", "0", "--tokens", "16"], [], loadCore);
    const mockUrl = String((await mock.firstJson).url);
    const floor = spawnNode("floor", ["bench/floor-proxy.ts", "--upstream", mockUrl], WATCH, targetCore);
    const floorUrl = String((await floor.firstJson).url);
    const gateway = async (key: string, cli: string) => {
      const port = await freePort();
      const config = writeGatewayConfig(dir, key, port, mockUrl);
      const child = spawnNode(key, [cli, "serve", "--config", config], WATCH, targetCore);
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/health`, child);
      return { key, url, windows: watch(child), pool: client(url) };
    };
    const targets = [
      { key: "floor", url: floorUrl, windows: watch(floor), pool: client(floorUrl) },
      await gateway("gateway", "server/cli.ts"),
    ];
    const baseline = process.env.PROBE_BASELINE;
    if (baseline) targets.push(await gateway("gw-before", join(baseline, "server/cli.ts")));
    for (const t of targets) {
      await saturate(t.url, 50, 3);
      await paced(t.pool, rate, 2);
    }
    const rows: string[] = [];
    for (let s = 0; s < slices; s++) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(s + i) % targets.length];
        if (!t) continue;
        const start = Date.now();
        const r = await paced(t.pool, rate, sliceSeconds);
        await new Promise((resolve) => setTimeout(resolve, 2_100));
        const end = Date.now();
        // Windows that ended inside the slice (plus the one that straddles its end).
        const ws = t.windows.filter((w) => w.t > start + 2_000 && w.t <= end);
        const stalls = ws.flatMap((w) => w.stalls);
        const p = percentiles(r.latencies);
        const count = (f: (x: (typeof stalls)[number]) => boolean) => stalls.filter(f).length;
        rows.push(
          [
            `${t.key.padEnd(8)} slice ${s}`,
            `p50 ${p.p50.toFixed(2)} p99 ${p.p99.toFixed(2)} max ${p.max.toFixed(1)} ms`,
            `stalls ${stalls.length} (gc ${count((x) => x.gc)}, sqlite ${count((x) => x.sqlite)}, ` +
              `neither ${count((x) => !x.gc && !x.sqlite)})`,
            `worst ${Math.max(0, ...stalls.map((x) => x.ms))} ms`,
            `gc ${ws.reduce((a, w) => a + w.gcMs, 0)} ms, sqlite on main ${ws.reduce((a, w) => a + w.sqliteMs, 0)} ms ` +
              `(longest call ${Math.max(0, ...ws.map((w) => w.sqliteMaxMs)).toFixed(1)} ms)`,
          ].join(" | "),
        );
        process.stderr.write(`${rows.at(-1)}\n`);
      }
    }
    await Promise.all(targets.map((t) => t.pool.close()));
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(`tail-probe: ${(error as Error).stack ?? String(error)}\n`);
  await stopAll();
  process.exit(1);
});
