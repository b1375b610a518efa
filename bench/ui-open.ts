/**
 * Does an open dashboard change the gateway's CPU per request? The gateway
 * (with the bench's config, its one key made an admin key so the overview
 * polls everything) under paced load from `bench/load.ts`, in rounds that
 * alternate: no dashboard (the tab on about:blank), then headless Chromium
 * signed in on the overview (WatchUsage live, stats, spend, cache and
 * deployments polled every 5 s). Each round reads the gateway process's CPU
 * time (/proc) before and after, and divides by the requests served. It
 * also measures the gateway's idle CPU with the dashboard open and closed.
 *
 *   node bench/ui-open.ts [rate=300] [seconds=10] [rounds=3] [page=overview]
 *
 * `page` picks what the tab shows: `overview` (the live feed and five polls)
 * or `providers` (one poll every 2 s, no feed), to tell the two costs apart.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium } from "playwright-core";
import { buildWeb } from "../web/build.ts";
import { freePort, spawnNode, stopAll, waitForHttp } from "./children.ts";
import { writeGatewayConfig } from "./gateway-config.ts";
import { API_KEY, client, paced } from "./load.ts";
import { cpuMicros, machineInfo } from "./proc-stats.ts";

const RATE = Number(process.argv[2] ?? 300);
const SECONDS = Number(process.argv[3] ?? 10);
const ROUNDS = Number(process.argv[4] ?? 3);
const PAGE = process.argv[5] === "providers" ? "providers" : "overview";
/**
 * BENCH_PIN=1 puts the gateway alone on core 0 and the mock on core 1. Run the
 * script itself under `taskset -c 1` too, so Chromium and the load generator
 * stay off the gateway's core: on two cores, an unpinned Chromium repainting
 * the charts competes with the gateway for its core and inflates its CPU
 * time per request without the gateway doing any more work.
 */
const PIN = process.env.BENCH_PIN === "1";

async function main(): Promise<void> {
  await buildWeb();
  const dir = mkdtempSync(join(tmpdir(), "llmgw-ui-open-"));
  const mock = spawnNode("mock", ["server/cli.ts", "mock", "--port", "0"], [], PIN ? 1 : undefined);
  const mockUrl = String((await mock.firstJson).url);
  const port = await freePort();
  const config = writeGatewayConfig(dir, "gateway", port, mockUrl);
  writeFileSync(
    config,
    readFileSync(config, "utf8").replace(`    key: ${API_KEY}\n`, `    key: ${API_KEY}\n    admin: true\n`),
  );
  const gateway = spawnNode(
    "gateway",
    ["server/cli.ts", "serve", "--config", config],
    [],
    PIN ? 0 : undefined,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, gateway);
  const pool = client(url);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
  const tab = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const openDashboard = async () => {
    await tab.goto(`${url}/ui/`);
    await tab.getByLabel("API key").fill(API_KEY);
    await tab.getByRole("button", { name: "Sign in" }).click();
    await tab.getByText("live", { exact: true }).waitFor();
    if (PAGE === "providers") {
      await tab.goto(`${url}/ui/#/providers`);
      await tab.getByRole("heading", { name: "Deployments" }).waitFor();
    }
  };
  const closeDashboard = async () => {
    // Forget the key, so the next opening signs in again rather than restoring the session.
    await tab.evaluate(() => sessionStorage.clear());
    await tab.goto("about:blank");
  };
  const cpuDuring = async (ms: number) => {
    const before = cpuMicros(gateway.pid);
    await sleep(ms);
    return (cpuMicros(gateway.pid) - before) / (ms / 1000);
  };
  const round = async () => {
    const before = cpuMicros(gateway.pid);
    const result = await paced(pool, RATE, SECONDS);
    const served = result.latencies.length;
    return {
      cpuPerRequest: (cpuMicros(gateway.pid) - before) / Math.max(served, 1),
      served,
      failed: result.failed,
    };
  };

  // Warm-up: JIT, the ledger, the connection pools.
  await paced(pool, RATE, 3);
  const idleClosed = await cpuDuring(10_000);
  await openDashboard();
  const idleOpen = await cpuDuring(10_000);
  await closeDashboard();

  const rows: string[] = [];
  const closed: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const off = await round();
    closed.push(off.cpuPerRequest);
    rows.push(`| ${i + 1} | closed | ${off.served} | ${off.failed} | ${off.cpuPerRequest.toFixed(0)} |`);
    await openDashboard();
    const on = await round();
    open.push(on.cpuPerRequest);
    rows.push(`| ${i + 1} | open | ${on.served} | ${on.failed} | ${on.cpuPerRequest.toFixed(0)} |`);
    await closeDashboard();
  }
  await browser.close();
  await pool.close();
  await stopAll();

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const machine = machineInfo();
  const report = [
    `# CPU per request with the dashboard open on ${PAGE}, ${new Date().toISOString().slice(0, 10)}`,
    "",
    `\`node bench/ui-open.ts ${RATE} ${SECONDS} ${ROUNDS} ${PAGE}\`: the gateway with the bench's config in front of the mock,`,
    `${RATE} req/s of \`bench/load.ts\`'s chat for ${SECONDS} s per round, rounds alternating between no dashboard`,
    PAGE === "overview"
      ? "and headless Chromium signed in on the overview (live WatchUsage, five polls every 5 s). CPU is the"
      : "and headless Chromium signed in on the providers page (ListDeployments every 2 s, no feed). CPU is the",
    "gateway process's user+system time from /proc over the round, divided by the requests served.",
    `Machine: ${JSON.stringify(machine)}; shared with other work, so read the figures as relative.`,
    PIN
      ? "Pinned (BENCH_PIN=1): the gateway alone on core 0; the mock, the load generator and Chromium on core 1."
      : "Not pinned: Chromium, the load generator and the mock share both cores with the gateway.",
    "",
    "| round | dashboard | served | failed | gateway CPU µs / request |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `- Median CPU per request: **${median(closed).toFixed(0)} µs closed, ${median(open).toFixed(0)} µs open** ` +
      `(${(((median(open) - median(closed)) / median(closed)) * 100).toFixed(1)} %).`,
    `- Idle gateway CPU: ${(idleClosed / 1000).toFixed(1)} ms/s closed, ${(idleOpen / 1000).toFixed(1)} ms/s with the dashboard open ` +
      "(the dashboard's own polls and stream, with no traffic).",
    "",
  ].join("\n");
  const out = join(
    import.meta.dirname,
    "results",
    `${new Date().toISOString().slice(0, 10)}-ui-open-${PAGE}${PIN ? "-pinned" : ""}.md`,
  );
  writeFileSync(out, report);
  console.log(report);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
